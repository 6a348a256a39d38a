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
# # 05 · Sharpness, flat minima and SAM
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget
from course_utils import data, optimizers
from course_utils.models import MLP
from course_utils.widgets import (
    ReparameterizationExplorer,
    SAMExplorer,
    SharpnessExplorer,
    ShiftExplorer,
    StabilityExplorer,
)

# The chapter's two small networks on noisy two moons, trained as in the chapter (a couple of seconds).
X, y = data.two_moons(300, noise=0.3, rng=0)
X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_frac=0.5, rng=0)
net = MLP(X_train, y_train, hidden=(16,), activation="tanh", loss="cross_entropy")
theta_gd = optimizers.run(net, optimizers.gd(), net.init(0), steps=150, lr=0.5).final_theta
relu = MLP(X_train, y_train, hidden=(16,), activation="relu", loss="cross_entropy")
theta_relu = optimizers.run(relu, optimizers.gd(), relu.init(0, scheme="he"), steps=150, lr=0.5).final_theta

# %% [markdown]
# ## Flat and sharp minima under a shift
# Two minima of equal depth, one sharp and one flat. Shift the landscape, as a test set shifts it from the
# training set: the sharp minimum's loss rises far more.

# %%
ShiftExplorer(presentation=True)

# %% [markdown]
# ## Measuring sharpness
# The same trained network, four measures of how fast its loss rises: Keskar's worst case in a box of relative size
# ε, the worst and the average over 100 random directions of length ρ, and SAM's one-step estimate at radius ρ; on the
# left, the loss along the Hessian's top eigenvector and along one random direction. Move ρ: at small ρ the slope
# dominates, and SAM's step along the gradient beats every random direction; at larger ρ the curvature takes over,
# and the top eigenvector rises several times faster than even the worst of the random directions.

# %%
SharpnessExplorer(net, {"full-batch GD": theta_gd}, presentation=True)

# %% [markdown]
# ## The stability threshold
# Gradient descent on a quadratic converges exactly when η < 2/λ_max. Push the step size across the line.

# %%
StabilityExplorer(presentation=True)

# %% [markdown]
# ## Sharpness-aware minimization
# Gradient descent settles in the nearest basin, sharp or not; SAM steps with the gradient from a point ρ uphill
# and prefers the flat basin. Move ρ from 0 upwards: already a small ρ carries SAM past the notch, and too large a
# ρ leaves it stalled near the rim, in neither minimum.

# %%
SAMExplorer(presentation=True)

# %% [markdown]
# ## Sharpness depends on the parameterization
# Scale a ReLU network's first layer by α and its second by 1/α: every prediction stays the same, λ_max and the
# trace do not.

# %%
ReparameterizationExplorer(relu, theta_relu, presentation=True)
