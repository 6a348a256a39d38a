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
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget
# Scaffold: replace the Stability Explorer with your chapter's explorers — one markdown cell (a heading and two
# lines for the audience) and one code cell per explorer, each in presentation mode (the browser test counts that
# keyword argument in the code to know how many explorers to expect, so do not write it in comments). Voilà
# hides the code, so notes for authors belong in comments like this one, never in the markdown.
from course_utils.widgets import StabilityExplorer

# %% [markdown]
# ## Stability Explorer
# Gradient descent on a quadratic is stable only while the step size η stays below 2/λ_max. Push η across the line
# and watch the loss turn from falling to exploding.

# %%
StabilityExplorer(presentation=True)
