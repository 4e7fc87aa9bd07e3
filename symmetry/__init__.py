"""Groups and representations for the ReLU loss landscape: Γ = S_k × S_d acting on M(k,d).

The simplest call:

>>> import numpy as np
>>> from symmetry import isotropy
>>> isotropy(np.eye(4)).name
'ΔS_4'

Modules (one idea each):

* :mod:`symmetry.action` -- the action ``(π,ρ)·W = P_π W P_ρᵀ`` and the
  permutation convention (``p[i]`` is the image of ``i``, 0-based);
* :mod:`symmetry.isotropy` -- isotropy groups of matrices (exact orders
  without enumerating elements), orbits, Fix(H) bases, Δ(S_{p1}×…) groups;
* :mod:`symmetry.subgroups` -- isotropy subgroups of S_k × S_d up to
  conjugacy and their inclusion lattice (small k, d);
* :mod:`symmetry.irreps` -- irreps of S_n: hook dimensions, content sums,
  Murnaghan–Nakayama characters;
* :mod:`symmetry.isotypic` -- isotypic decomposition of M(k,d) (also for
  symbolic block sizes) and projectors from transposition class sums.

The package imports nothing from ``landscape`` or ``certificates``.
Reference: Y. Arjevani, M. Field, "Symmetry & critical points for a model
shallow neural network", Physica D 2021 (arXiv 2003.10576).
"""

from .action import act, act_on_cell, random_element
from .errors import InputError, OutOfReachError
from .irreps import character, content_sum, hook_dimension, partitions
from .isotropy import (Isotropy, diagonal_partition_group, fixed_point_basis, fixed_point_space,
                       isotropy)
from .isotypic import family_decomposition, isotypic_decomposition, isotypic_projectors
from .subgroups import subgroups

__all__ = [
    "act", "act_on_cell", "random_element",
    "InputError", "OutOfReachError",
    "character", "content_sum", "hook_dimension", "partitions",
    "Isotropy", "isotropy", "diagonal_partition_group", "fixed_point_basis", "fixed_point_space",
    "family_decomposition", "isotypic_decomposition", "isotypic_projectors",
    "subgroups",
]
