"""goot in processes forked after the parent had loaded Go.

Go's runtime does not survive fork(); such a child computes through a helper
process (goot/_forkworker.py). These tests run real forks in a subprocess each,
under an alarm, so that a hang fails instead of blocking the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from test_docstrings import MODULES

PRELUDE = """
import os, signal, sys, numpy as np, goot
signal.alarm(100)   # a hang fails the test
goot.emd2([], [], np.ones((2, 2)))   # the parent loads the Go runtime

def in_child(fn):
    '''Run fn() in a forked child; return what it printed and its exit code.'''
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = repr(fn())
            code = 0
        except BaseException as err:
            out = f"{type(err).__name__}: {err}"
            code = 1
        os.write(w, out.encode())
        os._exit(code)
    os.close(w)
    with os.fdopen(r) as f:
        text = f.read()
    _, status = os.waitpid(pid, 0)
    return text, os.WEXITSTATUS(status)
"""


def _run(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_forked_child_computes_what_the_parent_computes():
    out = _ok(
        _run(
            """
        rng = np.random.default_rng(0)
        a = rng.random(30); a /= a.sum()
        b = rng.random(20); b /= b.sum()
        M = rng.random((30, 20))
        X, Y = rng.standard_normal((40, 3)), rng.standard_normal((30, 3)) + 1
        covs = [np.eye(3), np.diag([1.0, 2.0, 3.0])]

        def work():
            return [
                goot.emd(a, b, M),
                goot.emd2(a, b, M, log=True)[1]["u"],
                goot.sinkhorn(a, b, M, 0.05),
                goot.sinkhorn2(a, b, M, 0.05, method="sinkhorn_log"),
                goot.bregman.empirical_sinkhorn2(X, Y, 1.0, isLazy=True),
                goot.wasserstein_1d(X[:, 0], Y[:, 0], p=2),
                goot.sliced_wasserstein_distance(X, Y, n_projections=20, seed=3),
                goot.gaussian.bures_wasserstein_distance(
                    np.zeros(3), np.ones(3), *covs),
                goot.dist(X, Y),
            ]

        here = work()
        text, code = in_child(lambda: [np.asarray(x).tolist() for x in work()])
        assert code == 0, text
        there = eval(text)
        for x, y in zip(here, there):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
        print("same", len(there))
        """
        )
    )
    assert out.split() == ["same", "9"]


def test_forked_child_reports_bad_input_as_in_the_parent():
    out = _ok(
        _run(
            """
        def bad():
            try:
                goot.emd([1.0], [2.0], np.ones((1, 1)))
            except goot.InputError as err:
                return "InputError " + str(err)[:12]
        print(in_child(bad))
        """
        )
    )
    assert "InputError a and b: the" in out and ", 0)" in out


def test_forked_child_never_modifies_the_callers_arrays():
    out = _ok(
        _run(
            """
        rng = np.random.default_rng(1)
        M = rng.random((6, 5)); M.flags.writeable = False
        a = np.full(6, 1 / 6); a.flags.writeable = False
        keep = M.copy()
        def work():
            G = goot.emd(a, [], M)
            goot.sinkhorn(a, np.full(5, 0.2), M, 0.1)
            return bool((M == keep).all()), float(G.sum())
        print(in_child(work))
        """
        )
    )
    assert "(True, 1.0)" in out and out.rstrip().endswith(", 0)")


def test_threads_in_a_forked_child():
    out = _ok(
        _run(
            """
        import threading
        rng = np.random.default_rng(2)
        problems = [rng.random((40, 40)) for _ in range(8)]
        want = [goot.emd2([], [], M) for M in problems]
        def work():
            got = [None] * 8
            def run(k):
                for i in range(k, 8, 4):
                    got[i] = goot.emd2([], [], problems[i])
            ts = [threading.Thread(target=run, args=(k,)) for k in range(4)]
            for t in ts: t.start()
            for t in ts: t.join()
            return got == want
        print(in_child(work))
        """
        )
    )
    assert out.strip() == "('True', 0)"


def test_grandchild_and_a_killed_helper():
    out = _ok(
        _run(
            """
        from goot import _core
        M = np.random.default_rng(3).random((10, 10))
        want = goot.emd2([], [], M)
        def child():
            first = goot.emd2([], [], M)          # starts this child's helper
            grand = in_child(lambda: goot.emd2([], [], M) == want)
            for helper in _core._remote._all:     # the helper dies
                helper.proc.kill()
                helper.proc.wait()
            again = goot.emd2([], [], M)          # a new helper is started
            return first == want, grand, again == want
        print(in_child(child))
        """
        )
    )
    assert out.strip() == """("(True, ('True', 0), True)", 0)"""


def test_forked_child_keeps_the_exception_types():
    """An argument gopy rejects (an int too big for Go) is an OverflowError in
    the parent; the child must raise the same type, not a wrapped one."""
    out = _ok(
        _run(
            """
        C = np.stack([np.eye(2), 2 * np.eye(2)])
        def bad():
            try:
                goot.gaussian.bures_barycenter_fixpoint(C, num_iter=2**70)
            except OverflowError:
                return "OverflowError"
        print(bad(), in_child(bad))
        """
        )
    )
    assert out.strip() == """OverflowError ("'OverflowError'", 0)"""


def test_signal_handler_calling_goot_during_a_call_in_a_forked_child():
    """A handler that calls goot while the interrupted thread waits for the
    helper must not deadlock on the helper's lock (adversarial trial)."""
    out = _ok(
        _run(
            """
        M = np.random.default_rng(4).random((1500, 1500))
        small = np.ones((3, 3))
        def work():
            seen = []
            signal.signal(signal.SIGUSR1, lambda *_: seen.append(
                goot.emd2([], [], small)))
            signal.setitimer(signal.ITIMER_REAL, 0)
            os.kill(os.getpid(), signal.SIGUSR1)  # a first, quick one
            import threading
            t = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1))
            t.start()
            goot.emd2([], [], M, numItermax=10**7)
            t.join()
            return seen
        print(in_child(work))
        """
        )
    )
    assert out.strip() == "('[1.0, 1.0]', 0)"


def test_helper_lives_in_its_own_session_and_dies_with_its_child():
    out = _ok(
        _run(
            """
        import time
        from goot import _core
        M = np.random.default_rng(5).random((2500, 2500))
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            goot.emd2([], [], np.ones((2, 2)))
            helper = _core._remote._all[0].proc.pid
            os.write(w, f"{helper} {os.getsid(helper) != os.getsid(0)}\\n".encode())
            goot.emd2([], [], M, numItermax=10**8)   # long: killed during it
            os._exit(0)
        helper, own_session = os.read(r, 100).decode().split()
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.kill(int(helper), 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(int(helper), signal.SIGKILL)
            raise SystemExit("the helper outlived its child")
        print(own_session)
        """
        )
    )
    assert out.strip() == "True"


def test_forked_child_in_a_directory_with_a_file_named_like_a_module(tmp_path):
    """The script runs from elsewhere, so the parent does not see the file; the
    helper must not see it either (`python -c` puts the cwd on sys.path)."""
    work, scripts = tmp_path / "work", tmp_path / "scripts"
    work.mkdir()
    scripts.mkdir()
    (work / "struct.py").write_text("raise ImportError('shadowed')\n")
    script = scripts / "run.py"
    script.write_text(
        PRELUDE + "print(in_child(lambda: goot.emd2([], [], np.ones((2, 2)))))\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=work,
    )
    assert _ok(proc).strip() == "('1.0', 0)"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_in_a_forked_child(name):
    out = _ok(
        _run(
            f"""
        import doctest, importlib
        module = importlib.import_module({name!r})
        def examples():
            result = doctest.testmod(
                module, optionflags=doctest.NORMALIZE_WHITESPACE)
            return result.failed, result.attempted
        print(in_child(examples))
        """
        )
    )
    text, code = eval(out)
    assert code == 0, text
    failed, _ = eval(text)
    assert failed == 0, out


def test_dataloader_workers_forked_after_the_parent_used_goot():
    """The issue's real use: DataLoader's default (fork) workers call goot."""
    torch = pytest.importorskip("torch")  # installed by `make setup-torch`
    del torch
    out = _ok(
        _run(
            """
        import multiprocessing as mp
        import torch
        from torch.utils.data import DataLoader, Dataset
        assert mp.get_start_method() == "fork"

        class Pairs(Dataset):
            def __len__(self):
                return 8
            def __getitem__(self, i):
                rng = np.random.default_rng(i)
                x, y = rng.standard_normal((32, 2)), rng.standard_normal((32, 2))
                return torch.tensor(goot.emd2([], [], goot.dist(x, y)))

        want = torch.stack([Pairs()[i] for i in range(8)])   # parent uses goot
        got = torch.cat(list(DataLoader(Pairs(), batch_size=2, num_workers=2)))
        assert torch.equal(got, want), (got, want)
        print("ok", len(got))
        """,
            timeout=300,
        )
    )
    assert out.split() == ["ok", "8"]
