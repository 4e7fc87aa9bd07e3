"""Dense grouped spectra: float64 against mpmath, grouping and counts."""

import numpy as np
import pytest

from landscape.spectrum import dense_spectrum, group_eigenvalues, spectrum


def test_mpmath_dense_spectrum_agrees_with_float_and_is_more_precise():
    rng = np.random.default_rng(5)
    W = np.eye(3) + 0.2 * rng.standard_normal((3, 3))
    f = dense_spectrum(W)
    m30 = dense_spectrum(W, digits=30)
    m40 = dense_spectrum(W, digits=40)
    assert [e.multiplicity for e in f.eigenvalues] == [e.multiplicity for e in m30.eigenvalues]
    assert np.allclose(f.values(), m30.values(), atol=1e-12, rtol=0)
    for a, b in zip(m30.eigenvalues, m40.eigenvalues):
        assert abs(a.value - b.value) < 1e-28


def test_counts_and_tolerance():
    s = spectrum(np.eye(4), method="dense")
    assert s.dimension == 16 and s.negative_count == 0 and s.zero_count == 0
    groups = group_eigenvalues([-1.0, -1.0 + 1e-12, 0.0, 1e-12, 2.0])
    assert [g.multiplicity for g in groups] == [2, 2, 1]


def test_unknown_method_is_an_input_error():
    from landscape.errors import InputError

    with pytest.raises(InputError):
        spectrum(np.eye(2), method="magic")
