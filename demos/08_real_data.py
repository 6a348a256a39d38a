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

# %% [markdown]
# # 08 · The landmark figures, live on real data
# *Loss Landscapes, demo mode: the chapter's explorer, large, without code.*

# %%
# %matplotlib widget
# The explorer computes its four experiments once (a few seconds on a laptop) and then redraws from those runs.
from course_utils.widgets import LandmarkExplorer

# %% [markdown]
# ## Landmark Explorer
# Four papers' experiments, reproduced on 1,797 real handwritten digits. Pick one and turn its knob: the step size
# of gradient descent (does λ_max settle at 2/η?), the step at which two copies of a run were split (when does
# training stop depending on the data order?), the width of the networks (does weight matching remove the barrier?),
# or the weights a pruned network keeps (does it still train as well, from its own initialisation or a fresh one?).

# %%
LandmarkExplorer(presentation=True)
