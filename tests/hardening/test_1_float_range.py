"""Class 1: numbers a float64 path cannot carry give a correct answer (mpmath) or a clear error, never nan.

Oracle: for W = diag(s, 1) and V = I_2 the loss is (s − 1)²/4 (derived by hand
from the kernel: K(s e1, e2) = s/(2π), K(s e1, e1) = s/2, ...), and the Hessian
spectrum is checked against central differences of the loss in mpmath at 120
digits (no Hessian formula involved).
"""

import json

import mpmath
import numpy as np
import pytest

from tests.hardening.helpers import assert_one_line_error, run, write_point


@pytest.mark.parametrize("s", ["1e300", "1e-300", "1e120", "1e-120"])
def test_loss_beyond_float64_is_exact_in_text_mode(tmp_path, capsys, s):
    f = write_point(tmp_path / "p.json", [[s, "0"], ["0", "1"]])
    code, out, err = run(capsys, "loss", "--W", f)
    assert code == 0 and "nan" not in out.lower() and "Traceback" not in err
    value = mpmath.mpf(out.split("loss")[1].split("=")[1].split()[0])
    with mpmath.workdps(50):
        exact = (mpmath.mpf(s) - 1) ** 2 / 4
    assert abs(value - exact) <= 1e-14 * exact


def test_loss_json_gives_the_value_or_refuses_clearly(tmp_path, capsys):
    small = write_point(tmp_path / "s.json", [["1e-300", "0"], ["0", "1"]])
    code, out, err = run(capsys, "loss", "--W", small, "--json")
    assert code == 0 and abs(json.loads(out)["loss"] - 0.25) < 1e-15
    big = write_point(tmp_path / "b.json", [["1e300", "0"], ["0", "1"]])
    assert_one_line_error(*run(capsys, "loss", "--W", big, "--json"))
    code, out, err = run(capsys, "loss", "--W", big, "--json", "--precision", "20")
    assert code == 0 and json.loads(out)["loss"].startswith("2.49999999999999999999") or \
        json.loads(out)["loss"].startswith("2.5000000000000000000")


def _fd_hessian_eigenvalues(W, dps=120, h="1e-30"):
    """Eigenvalues of the Hessian by central differences of the closed-form loss (mpmath),
    steps 1e-30 of each row's size (L is C² but not C³ where rows are parallel)."""
    from landscape.backends import mp_context
    from landscape.loss import loss

    ctx = mp_context(dps)
    mp = ctx.mp
    x0 = [mp.mpf(v) for v in np.asarray(W, dtype=object).ravel()]
    n = len(x0)
    rows = [max(abs(x0[0]), abs(x0[1])), max(abs(x0[2]), abs(x0[3]))]
    # relative to the row's size r, and below r² too: the |θ|³ term of the kernel (rows parallel
    # to teacher rows here) makes the second difference err by ~ step / r²
    steps = [mp.mpf(h) * rows[i // 2] * min(1, rows[i // 2]) for i in range(n)]

    def L(x):
        return loss(ctx.asarray(np.array(x, dtype=object).reshape(2, 2).tolist()), ctx=ctx)

    H = mp.matrix(n, n)
    for i in range(n):
        for j in range(n):
            hi, hj = steps[i], steps[j]

            def at(a, b):
                x = list(x0)
                x[i] += a
                x[j] += b
                return L(x)
            H[i, j] = (at(hi, hj) - at(hi, -hj) - at(-hi, hj) + at(-hi, -hj)) / (4 * hi * hj)
    return sorted(mp.eigsy(H, eigvals_only=True))


@pytest.mark.parametrize("s", ["1e9", "1e-200"])
def test_spectrum_of_badly_scaled_points_matches_finite_differences(tmp_path, capsys, s):
    f = write_point(tmp_path / "p.json", [[s, "0"], ["0", "1"]])
    code, out, err = run(capsys, "spectrum", "--W", f, "--json")
    assert code == 0, err
    data = json.loads(out)
    ours = sorted(v for e in data["eigenvalues"] for v in [e["value"]] * e["multiplicity"])
    dps = 150 + 5 * abs(int(s.split("e")[1]))  # the O(δ²) change of L must survive next to L itself
    with mpmath.workdps(dps):
        ref = [float(v) for v in _fd_hessian_eigenvalues([[mpmath.mpf(s), 0], [0, 1]], dps=dps)]
    assert len(ours) == 4
    for a, b in zip(ours, ref):
        assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), (ours, ref)


def test_no_nan_anywhere(tmp_path, capsys):
    for s in ("1e300", "1e-300", "1e999"):
        f = write_point(tmp_path / "p.json", [[s, "0"], ["0", "1"]])
        for cmd in ("loss", "spectrum"):
            for extra in ((), ("--json",)):
                code, out, err = run(capsys, cmd, "--W", f, *extra)
                assert "nan" not in out.lower() and "Traceback" not in err
                assert code in (0, 2)
