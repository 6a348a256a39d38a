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
# # 01 · Convexity and Jensen's inequality
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget
from course_utils.widgets import ChordExplorer, ConditioningExplorer, JensenExplorer

# %% [markdown]
# ## Chord Explorer
# A function is convex when every chord lies on or above its graph. Move the two ends and the point t along the
# chord: on x⁴ − x² some chords dip below the graph — the function is not convex there.

# %%
ChordExplorer(function="x⁴ − x²", x=-0.9, y=0.9, t=0.5, presentation=True)

# %% [markdown]
# ## Jensen Explorer
# For a convex f, the average of f(X) is never below f of the average: E[f(X)] ≥ f(E[X]).
# Reshape the distribution of X and watch the gap between the two: for a strictly convex f such as x² it closes only
# when X stops varying (for |x|, also when X stays on one side of 0).

# %%
JensenExplorer(presentation=True)

# %% [markdown]
# ## Conditioning Explorer
# Convex does not mean fast: on a quadratic bowl with condition number κ, gradient descent zig-zags across the
# narrow valley. Raise κ and count the steps it needs.

# %%
ConditioningExplorer(presentation=True)
