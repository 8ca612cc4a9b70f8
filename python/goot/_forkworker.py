"""Running goot in a process forked after its parent had loaded Go.

Go's runtime does not survive fork(): a forked child that calls into the copy of
the extension it inherited hangs at its first garbage collection or goroutine.
PyTorch's DataLoader forks its workers by default, typically after the parent
has already used goot, so such a child must still be able to compute.

It does so through helpers: a call in such a child takes an idle helper
process or starts one (a fresh Python, not a fork, so it loads its own Go
runtime) and runs there. A capi call takes buffer *addresses*, which mean
nothing in another process, so the child finds the array behind every address
among the NumPy arrays held by its callers (``_core.call`` documents that every
array whose address is passed is held in a local variable of a caller until
the call returns), ships those arrays with the call, and copies back the ones
the Go code wrote. Helpers run in their own session (a Ctrl-C reaches the
caller, not them) and exit as soon as their child is gone.

The cost is a copy of the arrays each way and one process start per
concurrent caller per forked child; results are the same as in the parent.

TODO(goot): ship arrays through shared memory (memfd) instead of pickling
them through the pipe; at 135 MB a call in a child takes 3-10x its time in
the parent (adversarial trial, issue 7).
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
from types import FrameType
from typing import Any, BinaryIO

import numpy as np

from . import _address

_HEADER = struct.Struct("<Q")


def _send(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("goot's helper process closed the connection")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("goot's helper process closed the connection")
    return pickle.loads(data)


class _Buffer:
    """Stands, in a shipped call, for the address `offset` bytes into array
    number `index` of the shipped arrays."""

    __slots__ = ("index", "offset")

    def __init__(self, index: int, offset: int) -> None:
        self.index = index
        self.offset = offset

    def __reduce__(self):
        return (_Buffer, (self.index, self.offset))


# ---------------------------------------------------------------------------
# The forked child's side.


def _caller_arrays(frame: FrameType | None) -> list[np.ndarray]:
    """The C-contiguous arrays reachable from the locals of goot's frames on
    the stack (directly, or inside a list, tuple or dict), innermost first."""
    found: list[np.ndarray] = []
    seen: set[int] = set()

    def add(x: Any) -> None:
        if type(x) is np.ndarray and id(x) not in seen:
            seen.add(id(x))
            if x.flags.c_contiguous:
                found.append(x)

    package = __name__.rpartition(".")[0] + "."
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith(package):
            for value in frame.f_locals.values():
                add(value)
                if isinstance(value, (list, tuple)):
                    for item in value:
                        add(item)
                elif isinstance(value, dict):
                    for item in value.values():
                        add(item)
        frame = frame.f_back
    return found


def _ship(args: tuple, frame: FrameType | None) -> tuple[tuple, list[np.ndarray]]:
    """Replace every argument that is an address inside one of the callers'
    arrays by a _Buffer naming that array; return the new arguments and the
    arrays to ship."""
    regions = []
    for arr in _caller_arrays(frame):
        start = _address.address(arr)
        if arr.nbytes:
            regions.append((start, start + arr.nbytes, arr))
    shipped: list[np.ndarray] = []
    index_of: dict[int, int] = {}
    out = []
    for value in args:
        if type(value) is not int or value <= 4096:
            out.append(value)
            continue
        # Of the arrays holding this address, the one reaching farthest past
        # it (a row of M and M itself start at the same place).
        best = None
        for start, end, arr in regions:
            if start <= value < end and (best is None or end > best[1]):
                best = (start, end, arr)
        if best is None:
            out.append(value)
            continue
        start, _, arr = best
        if id(arr) not in index_of:
            index_of[id(arr)] = len(shipped)
            shipped.append(arr)
        out.append(_Buffer(index_of[id(arr)], value - start))
    return tuple(out), shipped


class _Helper:
    """One helper process and the two ends of its pipes."""

    def __init__(self) -> None:
        here = os.path.dirname(os.path.abspath(__file__))
        root = os.path.dirname(here)
        # sys.path[0] of `python -c` is the working directory: drop it, so that
        # a user's file named like a standard module cannot shadow it.
        code = (
            "import sys; sys.path[:1] = [] if sys.path[0] == '' else sys.path[:1]; "
            f"sys.path.insert(0, {root!r}); "
            f"from goot._forkworker import serve; serve({os.getpid()})"
        )
        self.fresh = True
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            # Its own session: a Ctrl-C at the terminal interrupts the caller,
            # which decides what to do, not the helper in the middle of a call.
            start_new_session=True,
        )

    def exchange(self, request: tuple) -> tuple:
        _send(self.proc.stdin, request)
        reply = _receive(self.proc.stdout)
        self.fresh = False
        return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass

    def forget(self) -> None:
        """Close this process's copies of the pipes, leaving the helper alone."""
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                os.close(stream.fileno())
            except (OSError, ValueError):
                pass


class Remote:
    """The capi of a forked child: each call runs in a helper process.

    Each call takes an idle helper or starts one, so calls from several
    threads (or from a signal handler that interrupts a call) run at once in
    several helpers, as they would in-process.
    """

    def __init__(self) -> None:
        self._idle: list[_Helper] = []
        self._all: list[_Helper] = []
        # Reentrant: a signal handler may call goot while this thread is
        # inside one of the short sections below.
        self._lock = threading.RLock()

    def call(self, name: str, args: tuple, frame: FrameType | None) -> Any:
        shipped_args, arrays = _ship(args, frame)
        helper = self._take()
        try:
            reply = helper.exchange((name, shipped_args, arrays))
        except BaseException as err:
            # A broken or interrupted exchange leaves the pipe out of step.
            self._drop(helper)
            if isinstance(err, (EOFError, OSError)):
                raise self._died(helper, err) from None
            raise
        self._give_back(helper)
        kind, value, returned = reply
        for mine, theirs in zip(arrays, returned):
            if theirs is not None:
                np.copyto(mine, theirs.reshape(mine.shape), casting="no")
        if kind == "ok":
            return value
        if kind == "error":
            raise RuntimeError(value)
        raise _rebuild(value)

    def _take(self) -> _Helper:
        with self._lock:
            while self._idle:
                helper = self._idle.pop()
                if helper.alive():
                    return helper
                self._forget_dead(helper)
        helper = _Helper()
        with self._lock:
            self._all.append(helper)
        return helper

    def _give_back(self, helper: _Helper) -> None:
        with self._lock:
            self._idle.append(helper)

    def _drop(self, helper: _Helper) -> None:
        helper.close()
        self._forget_dead(helper)

    def _forget_dead(self, helper: _Helper) -> None:
        with self._lock:
            if helper in self._all:
                self._all.remove(helper)

    @staticmethod
    def _died(helper: _Helper, err: BaseException) -> Exception:
        from ._core import GootError, GootForkError

        if helper.fresh:
            return GootForkError(
                "goot's helper process for this forked process could not start "
                f"({err}); its error output, if any, is above. Start worker "
                "processes with the 'spawn' or 'forkserver' method instead."
            )
        return GootError(
            "goot's helper process for this forked process ended during the call "
            f"(killed? out of memory?): {err}. The next call starts a new one."
        )

    def close(self) -> None:
        with self._lock:
            helpers, self._all, self._idle = self._all, [], []
        for helper in helpers:
            helper.close()

    def forget(self) -> None:
        """In a process forked from this one: the helpers belong to the parent."""
        for helper in self._all:
            helper.forget()
        self._all, self._idle = [], []
        self._lock = threading.RLock()


def _rebuild(description: tuple) -> Exception:
    """The exception the helper reported, as the same built-in type when it is
    one (an OverflowError from gopy's argument conversion stays one)."""
    import builtins

    from ._core import GootError

    type_name, message = description
    kind = getattr(builtins, type_name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        return kind(message)
    return GootError(f"goot's helper process failed: {type_name}: {message}")


# ---------------------------------------------------------------------------
# The helper's side.


def serve(parent: int) -> None:
    """Answer calls on stdin/stdout until the forked child closes the pipe or
    dies (then a call in progress is abandoned at once: nobody wants it)."""
    import signal
    import time

    from ._core import capi

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()

    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    # Nothing but replies may reach the pipe.
    sys.stdout = sys.stderr
    module = capi()
    while True:
        try:
            name, args, arrays = _receive(stdin)
        except EOFError:
            return
        # Owned, aligned, writeable copies (unpickled arrays may be none of these).
        arrays = [np.array(arr, order="C") for arr in arrays]
        before = [arr.copy() for arr in arrays]
        real = tuple(
            _address.address(arrays[a.index]) + a.offset if type(a) is _Buffer else a
            for a in args
        )
        try:
            reply = ("ok", getattr(module, name)(*real))
        except RuntimeError as err:
            reply = ("error", str(err))
        except Exception as err:  # noqa: BLE001 - reported to the caller
            reply = ("failed", (type(err).__name__, str(err)))
        changed = [
            None if np.array_equal(arr.view(np.uint8), old.view(np.uint8)) else arr
            for arr, old in zip(arrays, before)
        ]
        try:
            _send(stdout, (*reply, changed))
        except BrokenPipeError:
            return  # the caller went away
