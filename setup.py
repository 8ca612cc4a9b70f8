"""Build goot's Go extension with gopy as part of `pip install .`.

setuptools drives the build; the one extension module is produced by running
the pinned gopy (built from tools/, see tools/go.mod) on the capi package.
Needs Go >= 1.26, a C compiler and the Python headers on the build machine.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "_gopy_build"  # '_' keeps the generated package out of ./...
EXT_NAME = "gootext"


class GopyExtension(Extension):
    """An extension whose sources are the Go package ./capi."""

    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class BuildGopy(build_ext):
    """Run gopy instead of a C compiler for GopyExtension."""

    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, GopyExtension):
            super().build_extension(ext)
            return
        go = shutil.which(os.environ.get("GO", "go"))
        if go is None:
            raise RuntimeError(
                "goot needs Go >= 1.26 on PATH (or $GO) to build its extension"
            )
        bindir = Path(self.build_temp).resolve() / "gobin"
        env = dict(os.environ)
        env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
        env["CGO_ENABLED"] = "1"
        env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false -trimpath").strip()
        env.setdefault(
            "CGO_LDFLAGS_ALLOW", "-fwrapv|-fno-strict-overflow|-fstack-protector.*"
        )

        # 1. gopy and goimports, pinned in tools/go.mod (gopy needs x/tools >= 0.34
        #    to compile on Go >= 1.25, so it cannot be `go install`ed directly).
        _run([go, "build", "-o", f"{bindir}/", "github.com/go-python/gopy",
              "golang.org/x/tools/cmd/goimports"], cwd=ROOT / "tools", env=env)

        # 2. The extension: one module for the whole library.
        shutil.rmtree(OUT, ignore_errors=True)
        _run([str(bindir / "gopy"), "build", f"-vm={sys.executable}",
              f"-output={OUT}", f"-name={EXT_NAME}", "-no-make", "-dynamic-link",
              "-symbols=false", "./capi"], cwd=ROOT, env=env)

        # 3. Copy the .so and the generated Python next to it. The generated
        #    capi.py changes directory around its import; that is not needed and
        #    not thread-safe, so those lines are dropped.
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        shutil.copy2(OUT / f"_{EXT_NAME}{suffix}", target)
        for py in OUT.glob("*.py"):
            if py.name == "build.py":
                continue
            text = py.read_text()
            text = text.replace("os.chdir(currentdir)\n", "").replace(
                "os.chdir(cwd)\n", ""
            )
            (target.parent / py.name).write_text(text)


def _run(cmd: list, cwd: Path, env: dict) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, env=env, check=True)


setup(
    ext_modules=[
        GopyExtension(f"goot._gopy._{EXT_NAME}"),
        Extension("goot._address", sources=["python/goot/_address.c"]),
    ],
    cmdclass={"build_ext": BuildGopy},
)
