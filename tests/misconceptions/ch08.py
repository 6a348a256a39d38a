"""Chapter 8: the landmark figures on real data (exercises 8.1–8.6)."""

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# ===== 8.1–8.2 (helper A) =====


# ===== end of 8.1–8.2 =====


# ===== 8.3–8.4 (helper B) =====


# ===== end of 8.3–8.4 =====


# ===== 8.5–8.6 (helper C) =====


# ===== end of 8.5–8.6 =====
