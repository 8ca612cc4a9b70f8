"""Running goot in a process forked after its parent had loaded Go.

Go's runtime does not survive fork(): a forked child that calls into the copy of
the extension it inherited hangs at its first garbage collection or goroutine.
PyTorch's DataLoader forks its workers by default, typically after the parent
has already used goot, so such a child must still be able to compute.

It does so through a helper: on its first goot call the forked child starts a
fresh Python process (not a fork, so it loads its own Go runtime) and sends
each capi call there. A capi call takes buffer *addresses*, which mean nothing
in another process, so the child finds the array behind every address among
the NumPy arrays held by its callers (``_core.call`` documents that every array
whose address is passed is held in a local variable of a caller until the call
returns), ships those arrays with the call, and copies back the ones the Go
code wrote. This costs a copy of the arrays each way and one process start per
forked child; results are the same as in the parent.
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


class Remote:
    """The capi of a forked child: each call runs in a helper process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None

    def call(self, name: str, args: tuple, frame: FrameType | None) -> Any:
        shipped_args, arrays = _ship(args, frame)
        with self._lock:
            proc = self._start()
            try:
                _send(proc.stdin, (name, shipped_args, arrays))
                reply = _receive(proc.stdout)
            except BaseException:
                # A broken or interrupted exchange leaves the stream out of step:
                # drop this helper, the next call starts a new one.
                self.close()
                raise
        kind, value, returned = reply
        for mine, theirs in zip(arrays, returned):
            if theirs is not None:
                np.copyto(mine, theirs.reshape(mine.shape), casting="no")
        if kind == "ok":
            return value
        if kind == "error":
            raise RuntimeError(value)
        raise RuntimeError(f"EINTERN: goot's helper process failed: {value}")

    def _start(self) -> subprocess.Popen:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        here = os.path.dirname(os.path.abspath(__file__))
        root = os.path.dirname(here)
        code = (
            f"import sys; sys.path.insert(0, {root!r}); "
            "from goot._forkworker import serve; serve()"
        )
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            try:
                proc.kill()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass

    def forget(self) -> None:
        """In a process forked from this one: the helper belongs to the parent.
        Close our copies of its pipes without touching it."""
        proc, self._proc = self._proc, None
        self._lock = threading.Lock()
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    os.close(stream.fileno())
                except (OSError, ValueError):
                    pass


# ---------------------------------------------------------------------------
# The helper's side.


def serve() -> None:
    """Answer calls on stdin/stdout until the forked child closes the pipe."""
    from ._core import capi

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
            reply = ("failed", f"{type(err).__name__}: {err}")
        changed = [
            None if np.array_equal(arr.view(np.uint8), old.view(np.uint8)) else arr
            for arr, old in zip(arrays, before)
        ]
        _send(stdout, (*reply, changed))
