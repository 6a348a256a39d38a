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
# # 03 · Critical points
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget

from course_utils import data, models, optimizers
from course_utils.randomness import default_rng
from course_utils.widgets import CriticalFinder, CriticalGallery, SpectrumExplorer

# %% [markdown]
# ## Critical Point Gallery
# Near a critical point a loss looks like ½ θᵀHθ, and the signs of the Hessian's eigenvalues decide what it is:
# both positive — a minimum, both negative — a maximum, mixed — a saddle. Move the eigenvalues through zero.

# %%
CriticalGallery(lam1=1.0, lam2=-1.0, angle=45.0, presentation=True)

# %% [markdown]
# ## Critical Point Finder
# Newton's method from many starts finds the points where ∇f = 0; the Hessian there says what each one is — minima
# (circles), saddles (crosses), maxima (triangles). Add starts until no new point appears: have we found them all?

# %%
CriticalFinder(function="six_hump_camel", n_starts=64, presentation=True)

# %% [markdown]
# ## Hessian Estimator Explorer
# The Hessian spectrum of a small trained network, recovered from Hessian-vector products alone (Lanczos, Hutchinson,
# SLQ) and compared with the exact eigenvalues. How many steps, probes and starts does each estimate need?

# %%
X, y = data.two_moons(100, noise=0.3, rng=0)
mlp = models.MLP(X, y, hidden=(10,), activation="tanh", loss="cross_entropy")
theta = optimizers.run(mlp, optimizers.adam(), mlp.init(default_rng(1)), steps=300, lr=0.05).final_theta
SpectrumExplorer(mlp, theta, label="trained MLP", steps=20, presentation=True)
