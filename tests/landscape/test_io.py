"""Point files: exact round trips and validation."""

from fractions import Fraction

import numpy as np
import pytest

from landscape.errors import InputError
from landscape.io import Point, read_point, to_fraction, write_point


def test_decimal_strings_are_exact_and_round_trip(tmp_path):
    p = Point.from_arrays([["0.1", "-2.5e-3"], ["1/3", 2]], V=[[1, 0], [0, 1]], alpha=["0.5", 1], beta=[1, "2"])
    assert p.W[0, 0] == Fraction(1, 10) and p.W[1, 0] == Fraction(1, 3)
    path = tmp_path / "p.json"
    write_point(path, p, digits=60)
    q = read_point(path)
    assert q.W[0, 0] == Fraction(1, 10) and q.W[0, 1] == Fraction(-1, 400)
    assert abs(q.W[1, 0] - Fraction(1, 3)) < Fraction(1, 10**59)
    assert list(q.alpha) == [Fraction(1, 2), 1] and list(q.beta) == [1, 2]


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_float_formats_round_trip_exactly(tmp_path, suffix):
    W = np.random.default_rng(1).standard_normal((3, 2))
    path = tmp_path / f"w{suffix}"
    write_point(path, Point.from_arrays(W))
    assert np.array_equal(read_point(path).as_float()[0], W)


def test_as_mp_keeps_the_exact_value():
    import mpmath

    p = Point.from_arrays([["0.1", "1"]])
    with mpmath.workdps(50):
        W = p.as_mp(mpmath.mp)[0]
        assert abs(W[0, 0] - mpmath.mpf(1) / 10) < mpmath.mpf(10) ** -49


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "x", None, True, "nan"])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(InputError):
        to_fraction(bad)


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(InputError):
        write_point(tmp_path / "w.txt", Point.from_arrays([[1.0]]))
    assert list(tmp_path.iterdir()) == []


def test_atomic_save_figure_is_all_or_nothing(tmp_path):
    """A figure is written through a temporary and a rename: a complete PNG
    with the project's file mode, and nothing at all when drawing fails."""
    import os
    import stat

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from landscape.io import atomic_save_figure, file_mode

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    out = tmp_path / "f.png"
    atomic_save_figure(fig, out, dpi=50)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and stat.S_IMODE(os.stat(out).st_mode) == file_mode()
    with pytest.raises(ValueError):
        atomic_save_figure(fig, tmp_path / "g.nosuchformat")
    plt.close(fig)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png"]
