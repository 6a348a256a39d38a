# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %%

# %% [markdown]
# # 07 · Diagnosing training through the landscape
# *Loss Landscapes, demo mode: three rows of the symptom → landscape → remedy table, live.*

# %%
# %matplotlib widget
from course_utils.widgets import ConditioningExplorer, GradientFlowExplorer, StabilityExplorer

# %% [markdown]
# ## Vanishing and exploding gradients → plateaus and cliffs
# The gradient norm of every layer of a deep network at initialization. Deepen the network, switch between naive,
# Xavier and He initialization, and turn skip connections on: which settings keep the signal alive?

# %%
GradientFlowExplorer(presentation=True)

# %% [markdown]
# ## Loss exploding at the start → a step beyond the curvature
# On a quadratic, gradient descent is stable only while η < 2/λ_max. Push the step size across the line and watch
# the loss turn.

# %%
StabilityExplorer(presentation=True)

# %% [markdown]
# ## Slow convergence → ill-conditioned curvature
# A long, narrow valley: raise the condition number κ and gradient descent zig-zags, even at its best step size.

# %%
ConditioningExplorer(presentation=True)
