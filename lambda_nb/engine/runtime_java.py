"""The Java runtimes (java17, java21, java25): a JDK of that version runs lambda_nb's own Java
runtime client (`runtimes/java/`, plain Java on the JDK: AWS's libraries live on Maven Central),
started by a bootstrap with the JVM options AWS uses (java-runtime.md 1).

- The JDK: JAVA_HOME, the `java` on PATH, or one under /usr/lib/jvm (also ~/.jdks and SDKMAN's
  folder), the one whose major version is the runtime's. Without it, a newer JDK runs the
  function with `javac --release N`, which holds the code to that version's API
  (java-runtime.md 8.2 suggests it for java21, which Debian does not package; the JVM's own
  behaviour is then the newer one's: UNCONFIRMED differences, e.g. reflection frames).
- java8.al2 and java11 run AWS's older closed-source runtime; lambda_nb's client needs Java 17
  (records, java.net.http), so they are refused with a clear error.
- The client is compiled once per JDK into the user cache (`engine/cache.py`), keyed by its
  sources' hash, as one jar with a CDS archive dumped from a training run
  (`-XX:ArchiveClassesAtExit`), so that the client's own part of a cold start is small.
- The cell is compiled by `java_build.py` at publish time (the build step): a compile error
  publishes nothing.
- AWS's own `aws-lambda-java-core` jar, when it is in the Maven cache (~/.m2), is put before
  the client on the class path and handlers compile against it; the build log says so.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.engine.runtime_family import FramePattern, RuntimeCommand, RuntimeFamily

CLIENT = Path(__file__).resolve().parent.parent / "runtimes" / "java"
JAVA_RUNTIMES = ("java25", "java21", "java17", "java11", "java8.al2")
CLIENT_MIN = 17  # the client's own floor (records, java.net.http)
MAIN_CLASS = "com.amazonaws.services.lambda.runtime.api.client.lambdanb.LambdaNbRuntime"
DEFAULT_HANDLER = "example.Handler::handleRequest"
_JDK_DIRS = ("/usr/lib/jvm/*", "~/.jdks/*", "~/.sdkman/candidates/java/*")


def major_of(runtime: str) -> int:
    """java21 -> 21, java8.al2 -> 8."""
    return int(re.sub(r"\D.*$", "", runtime[len("java") :]))


# ------------------------------------------------------------------------------------ JDKs
def _release_version(home: Path) -> str | None:
    """JAVA_VERSION from the JDK's `release` file ("17.0.15"), without starting a JVM."""
    try:
        text = (home / "release").read_text(errors="replace")
    except OSError:
        return None
    match = re.search(r'^JAVA_VERSION="([^"]+)"', text, re.M)
    return match.group(1) if match else None


def _version_major(version: str) -> int:
    parts = version.split(".")
    return int(parts[1]) if parts[0] == "1" else int(re.sub(r"\D.*$", "", parts[0]) or 0)


def jdks() -> dict[int, tuple[Path, str]]:
    """Major version -> (JDK home, full version) for every JDK (java and javac) found: JAVA_HOME
    first, then the `java` on PATH, then the usual folders."""
    homes: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        homes.append(Path(os.environ["JAVA_HOME"]))
    on_path = shutil.which("java")
    if on_path:
        homes.append(Path(os.path.realpath(on_path)).parent.parent)
    for pattern in _JDK_DIRS:
        homes.extend(Path(p) for p in sorted(glob.glob(os.path.expanduser(pattern))))
    found: dict[int, tuple[Path, str]] = {}
    seen: set[str] = set()
    for home in homes:
        real = os.path.realpath(home)
        if real in seen:
            continue
        seen.add(real)
        if not (os.access(home / "bin" / "java", os.X_OK) and (home / "bin" / "javac").exists()):
            continue
        version = _release_version(home)
        if version is not None:
            found.setdefault(_version_major(version), (Path(real), version))
    return found


def _jdk_for(runtime: str) -> tuple[Path, str, int]:
    """(JDK home, its version, the --release to compile for) for `runtime`."""
    major = major_of(runtime)
    found = jdks()
    if major < CLIENT_MIN:
        raise RuntimeNotFound(
            f"{runtime} is not supported by lambda_nb: AWS runs it on an older closed-source "
            f"runtime, and lambda_nb's Java runtime client needs Java {CLIENT_MIN} or later; "
            "use java17, java21 or java25"
        )
    if major in found:
        home, version = found[major]
        return home, version, major
    newer = sorted(m for m in found if m > major)
    if newer:
        home, version = found[newer[0]]
        return home, version, major
    seen = ", ".join(f"JDK {m} ({h})" for m, (h, _) in sorted(found.items())) or "no JDK"
    raise RuntimeNotFound(
        f"{runtime} needs a JDK {major} (or newer, which compiles with --release {major}); "
        f"found: {seen}. Install one (Debian/Ubuntu: apt-get install "
        f"openjdk-{major}-jdk-headless, or Eclipse Temurin {major}) or set JAVA_HOME to it, "
        "then run the cell again"
    )


@functools.cache
def outside_mounts(home: Path) -> tuple[str, ...]:
    """The folders outside /usr that the JDK's own links point into (Debian's JDK: conf/ in
    /etc/java-17-openjdk, lib/security/cacerts in /etc/ssl/certs/java), for the sandbox."""
    found: set[str] = set()
    for sub in ("conf", "lib/security", "lib"):
        for dirpath, dirs, files in os.walk(home / sub):
            for name in [*files, *dirs]:
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    real = os.path.realpath(path)
                    if not real.startswith(("/usr/", str(home) + os.sep)) and os.path.exists(real):
                        found.add(real if os.path.isdir(real) else os.path.dirname(real))
            if sub == "lib":
                break  # lib/'s own entries only (lib/security was walked already)
    kept = sorted(found)
    return tuple(p for p in kept if not any(p.startswith(q + os.sep) for q in kept if q != p))


# ---------------------------------------------------------------------------- the client
def _client_sources() -> list[Path]:
    return sorted(CLIENT.rglob("*.java"))


def _sources_hash() -> str:
    digest = hashlib.sha256()
    for path in [*_client_sources(), CLIENT / "bootstrap"]:
        digest.update(str(path.relative_to(CLIENT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def aws_core_jar() -> Path | None:
    """AWS's aws-lambda-java-core from the Maven cache (~/.m2), the newest version, if any."""
    base = Path(os.path.expanduser("~/.m2/repository/com/amazonaws/aws-lambda-java-core"))
    jars = [p for p in base.glob("*/aws-lambda-java-core-*.jar") if "sources" not in p.name]
    jars = [p for p in jars if "javadoc" not in p.name]
    if not jars:
        return None

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", path.parent.name))

    return max(jars, key=version)


def _javac(home: Path, release: int, args: list[str], cwd: Path | None = None) -> None:
    command = [str(home / "bin" / "javac"), "-J-XX:TieredStopAtLevel=1", "-J-Xshare:auto"]
    done = subprocess.run(
        [*command, "-g", "--release", str(release), "-encoding", "UTF-8", "-proc:none", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeNotFound(f"lambda_nb's Java runtime client did not compile:\n{done.stderr}")


@functools.cache
def client_dir(home: Path, version: str, release: int, cds: bool = True) -> Path:
    """The compiled client for this JDK and release (the runtime's /var/runtime): its jar, the
    API classes handlers compile against (api/), the bootstrap, and a CDS archive."""
    from lambda_nb.engine import cache

    aws_jar = aws_core_jar()
    name = f"java{release}-jdk{version}-{_sources_hash()}"
    if aws_jar is not None:
        name += "-" + cache.key(str(aws_jar), aws_jar.stat().st_size)

    def build(tmp: Path) -> None:
        api, classes = tmp / "api", tmp / "classes"
        sources = {p: p.relative_to(CLIENT).parts[0] for p in _client_sources()}
        api_sources = [str(p) for p, part in sources.items() if part == "api"]
        client_sources = [str(p) for p, part in sources.items() if part == "client"]
        _javac(home, release, ["-d", str(api), *api_sources])
        _javac(home, release, ["-cp", str(api), "-d", str(classes), *client_sources])
        with zipfile.ZipFile(tmp / "lambda-nb-client.jar", "w", zipfile.ZIP_DEFLATED) as jar:
            jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
            for root in (api, classes):
                for path in sorted(root.rglob("*.class")):
                    jar.write(path, str(path.relative_to(root)))
        shutil.rmtree(classes)
        shutil.copy(CLIENT / "bootstrap", tmp / "bootstrap")
        if aws_jar is not None:
            shutil.copy(aws_jar, tmp / "aws-lambda-java-core.jar")

    folder = cache.entry("java-client", name, build)[0]
    if cds:
        _dump_cds(home, folder)
    return folder


def _dump_cds(home: Path, folder: Path) -> None:
    """A dynamic CDS archive of the client's classes and the JDK's it uses (a training run that
    exercises the codec, the logger and the HTTP client), made once in the cache entry's final
    folder: JDK 17 checks the class path by its absolute path, so the JVM runs the jar from
    there in both modes (the sandbox binds that folder at the same path, read-only). Best
    effort: without an archive the JVM starts without it."""
    archive = folder / "client.jsa"
    if archive.exists():
        return
    from lambda_nb.engine import cache

    with cache._locked(archive):
        if archive.exists():
            return
        partial = folder / f"client.jsa.{os.getpid()}"
        try:
            subprocess.run(
                [str(home / "bin" / "java"), f"-XX:ArchiveClassesAtExit={partial}",
                 "-Xshare:auto", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                 "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-cp", _classpath(folder),
                 MAIN_CLASS, "--cds-training"],
                cwd=folder, capture_output=True, timeout=120, check=True,
            )  # fmt: skip
            if partial.exists():
                os.chmod(partial, 0o444)
                os.rename(partial, archive)
        except (OSError, subprocess.SubprocessError):
            partial.unlink(missing_ok=True)


def _classpath(folder: Path) -> str:
    """The JVM's class path: AWS's core jar first when it was found, then the client's."""
    jar = str(folder / "lambda-nb-client.jar")
    aws = folder / "aws-lambda-java-core.jar"
    return f"{aws}:{jar}" if aws.exists() else jar


# ------------------------------------------------------------------------------- resolve
def _resolve(
    runtime: str | None, runtime_client: str, handler: str, bootstrap: str | None
) -> RuntimeCommand:
    assert runtime is not None
    home, version, release = _jdk_for(runtime)
    folder = client_dir(home, version, release)
    java = str(home / "bin" / "java")
    patch = version.split("+")[0].split(".")[-1] if version.count(".") >= 2 else "0"
    return RuntimeCommand(
        name=runtime,
        argv=("/bin/sh", str(folder / "bootstrap"), java),
        execution_env=f"AWS_Lambda_{runtime}",
        # AWS's N is its release counter; ours is the JDK's patch number (no releases here).
        runtime_version=f"java:{release}.v{patch}",
        family="java",
        runtime_dir=str(folder),
        interpreter=java,
        # The client's jar and CDS archive run from the cache in both modes (see _dump_cds).
        env={"_LAMBDA_NB_JAVA_CLIENT": str(folder)},
        mounts=(*outside_mounts(home), str(folder)),
        toolchain={
            "java_home": str(home),
            "jdk_version": version,
            "release": str(release),
            "classpath": str(
                folder / "aws-lambda-java-core.jar"
                if (folder / "aws-lambda-java-core.jar").exists()
                else folder / "api"
            ),
        },
    )


def _names() -> list[str]:
    """java17/21/25 where a JDK of that version or newer is found."""
    found = jdks()
    return [r for r in ("java17", "java21", "java25") if any(m >= major_of(r) for m in found)]


# ----------------------------------------------------------------------- the cell's source
_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
_MODIFIERS = r"(?:(?:public|final|abstract|sealed|non-sealed|strictfp|static)\s+)*"
_PUBLIC_TYPE = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:final|abstract|sealed|non-sealed|strictfp)\s+)*"
    r"public\s+" + _MODIFIERS + r"(?:class|record|enum|interface)\s+(\w+)",
    re.M,
)
_ANY_TYPE = re.compile(
    r"^(?:@\w+(?:\([^)]*\))?\s+)*" + _MODIFIERS + r"(?:class|record|enum)\s+(\w+)", re.M
)


def _declared(source: str) -> tuple[str, str | None]:
    """(package, the public top-level class, else the first top-level class) of a source."""
    text = _COMMENTS.sub("", source)
    package = _PACKAGE.search(text)
    public = _PUBLIC_TYPE.search(text)
    first = public or _ANY_TYPE.search(text)
    return (package.group(1) if package else ""), (first.group(1) if first else None)


def handler_for_source(source: str) -> str:
    """`pkg.Class::handleRequest` for the cell's public class (the class a notebook cell
    declares), else the console's default `example.Handler::handleRequest`."""
    package, name = _declared(source)
    if name is None:
        return DEFAULT_HANDLER
    return f"{package + '.' if package else ''}{name}::handleRequest"


def file_for_source(source: str, handler: str) -> str:
    """`<PublicClass>.java`, the name javac requires; else the handler's class's."""
    _, name = _declared(source)
    return f"{name or _code_file(handler, None)[:-5]}.java"


def _code_file(handler: str, bootstrap: str | None) -> str:
    """The handler's class's simple name: `example.Handler::handleRequest` -> `Handler.java`
    (a nested `Outer$Inner` lives in `Outer.java`)."""
    cls = handler.rsplit("::", 1)[0]
    simple = cls.rsplit(".", 1)[-1].split("$", 1)[0]
    return f"{simple or 'Handler'}.java"


def _build(
    command: RuntimeCommand,
    files: Mapping[str, Any],
    on_line: Callable[[str], None] | None = None,
) -> Path | None:
    from lambda_nb.engine import java_build

    return java_build.compile_sources(command, files, on_line)


FAMILY = RuntimeFamily(
    name="java",
    owns=lambda runtime: runtime in JAVA_RUNTIMES,
    default_handler=DEFAULT_HANDLER,
    comment="//",
    code_file=_code_file,
    resolve=_resolve,
    names=_names,
    identifiers=("java17", "java21", "java25"),
    help="java17/21/25 (a JDK of that version, else a newer one with --release N)",
    frames=FramePattern(
        # "example.Handler.handleRequest(Handler.java:12)", "\tat ...", a JDK frame with its
        # module ("java.base/java.lang.reflect.Method.invoke(Unknown Source)")
        re.compile(
            r"^\s*(?:at\s+)?(?P<func>(?:[\w$.@-]*/)*[\w$.<>]+)"
            r"\((?P<path>[^():]+?)(?::(?P<line>\d+))?\)\s*$"
        ),
        # The JDK's reflection frames between the runtime and a method handler (hidden, as the
        # runtime client's own frames are cut before they reach the body).
        runtime_function=re.compile(
            r"^(?:[\w$.@-]*/)*(?:jdk\.internal\.reflect\.|sun\.reflect\.|"
            r"java\.lang\.reflect\.Method\.invoke$)"
        ),
        innermost_first=True,
    ),
    suffixes=("java",),
    clients=("lambda_nb",),
    handler_for_source=handler_for_source,
    file_for_source=file_for_source,
    build=_build,
)
