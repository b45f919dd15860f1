"""The local Lambda service: functions, their code revisions, their execution environments, and
the Invoke operation with each function's invocation history.

Plain Python (no IPython): the magic, the CLI, scripts and tests all use it through
`lambda_nb.Function`, which is only a handle on a name here. One service per process
(`default_service()`); everything it started ends at interpreter exit, and a watchdog (`reaper`)
ends it even if the process is killed.
"""

from __future__ import annotations

import atexit
import collections
import functools
import hashlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_nb.engine import build, cache, concurrency, runtime_family, runtime_site
from lambda_nb.engine import invoke as request
from lambda_nb.engine.clock import CLOCK, Clock
from lambda_nb.engine.config import ACCOUNT_ID, REGION, FunctionConfig
from lambda_nb.engine.debugger import DebugSession, check_runtime
from lambda_nb.engine.destinations import (
    EventInvokeConfig,
    dead_letter_attributes,
    event_invoke_config,
    service_destination,
)
from lambda_nb.engine.environment import ExecutionEnvironment
from lambda_nb.engine.errors import (
    InvalidParameterValueException,
    InvokeError,
    ResourceConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from lambda_nb.engine.event_queue import EventQueue, QueueHooks
from lambda_nb.engine.reaper import Reaper
from lambda_nb.engine.records import AsyncRequest, Invocation
from lambda_nb.engine.runtime_provided import BOOTSTRAP_FILE
from lambda_nb.engine.versions import Alias, check_alias

if TYPE_CHECKING:
    from lambda_nb.engine.log_store import LogEvent, StreamLogs
    from lambda_nb.function import Function


@dataclass
class FunctionRevision:
    """One publication of a function's code and configuration (its task root is read-only)."""

    config: FunctionConfig
    revision: int
    task_root: Path
    runtime: runtime_family.RuntimeCommand
    environments: list[ExecutionEnvironment] = field(default_factory=list)
    code_file: str | None = None  # the file in `files` that holds the function's code
    version: str = "$LATEST"  # or the number it was published as (a frozen copy)
    description: str = ""
    code_sha256: str = ""  # of the files and the configuration: what PublishVersion compares
    retired: bool = False  # its environments were ended; a late acquire gets a throwaway one
    # The function's code as on AWS (engine/build.py): the merged layers (what it sees as
    # /opt), the runtime's bundled SDK, the layers as given, in order, and the requirements
    # installed into the task root. package()/deploy() read the task root and `layers`.
    opt_dir: Path | None = None
    runtime_site: Path | None = None
    layers: list[Path] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    sources: dict[str, str | bytes | Path] = field(default_factory=dict)  # the files as given


def _provisioned(env: ExecutionEnvironment) -> bool:
    return env.initialization_type == "provisioned-concurrency"


def _ready_provisioned(rev: FunctionRevision) -> list[ExecutionEnvironment]:
    return [e for e in rev.environments if _provisioned(e) and not e.discarded]


# How many ended invocations keep their log records in memory (the newest), and at most how
# many records they hold together; older ones read theirs from the log store (log_store.py).
LOGS_IN_MEMORY = 200
RECORDS_IN_MEMORY = 50_000


class LambdaService:
    """Holds functions by name and hands out execution environments, one invocation each.

    `logs_in_memory` / `records_in_memory`: the in-memory window of invocation logs (see
    LOGS_IN_MEMORY); every record is in the log store (`log_store`) whatever they are.
    """

    def __init__(
        self, memory_backend: str | None = None, clock: Clock | None = None,
        logs_in_memory: int = LOGS_IN_MEMORY, records_in_memory: int = RECORDS_IN_MEMORY,
    ) -> None:  # fmt: skip
        self.work_dir = Path(tempfile.mkdtemp(prefix="lambda_nb-"))
        self.memory_backend = memory_backend
        self.functions: dict[str, Function] = {}
        from lambda_nb.engine import log_store  # with the first service, not at import

        self.log_store = log_store.LogStore(self.work_dir)
        self._stored_logs = log_store.StoredLogs
        self._stream_logs = log_store.StreamLogs
        self.logs_in_memory = logs_in_memory
        self.records_in_memory = records_in_memory
        self._logs_kept: collections.deque[tuple[Invocation, int, int]] = collections.deque()
        self._records_kept = 0
        self._revisions: dict[str, FunctionRevision] = {}
        self._histories: dict[str, list[Invocation]] = {}
        self._async_configs: dict[str, EventInvokeConfig] = {}
        self._dead_letters: dict[str, str] = {}  # DeadLetterConfig.TargetArn, per function
        self._versions: dict[str, dict[str, FunctionRevision]] = {}
        self._aliases: dict[str, dict[str, Alias]] = {}
        self.concurrency = concurrency.Concurrency()
        self.events = EventQueue(
            QueueHooks(
                attempt=self._attempt,
                config=self.async_config,
                reserved=self.concurrency.reserved,
                deliver=self._deliver,
                function_arn=lambda req: (
                    f"{self._arn(req.function_name)}:{req.qualifier or '$LATEST'}"
                ),
                dead_letter=self._dead_letter,
            ),
            clock or CLOCK,
        )
        # The class of the records Invoke makes: the Function API asks for its subclass, which
        # knows how to display itself in a notebook; the engine stays free of any view.
        self.record_class: type[Invocation] = Invocation
        self._counts: dict[str, int] = {}
        self._lock = threading.RLock()
        self.reaper = Reaper()
        self._work_dir_watched = False
        self._closed = False

    # ----------------------------------------------------------- functions
    def publish(
        self,
        config: FunctionConfig,
        files: Mapping[str, str | bytes | Path],
        code_file: str | None = None,
        requirements: str | os.PathLike[str] | Sequence[str] | None = None,
        layers: Sequence[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
        on_build: Callable[[str], None] | None = None,
    ) -> FunctionRevision:
        """A new revision of `config.name` with these files; the old environments retire.

        The build comes first (requirements installed or taken from the cache, layers checked
        and snapshotted, the runtime's SDK): a `BuildError` there publishes nothing, and the
        previous revision stays live. `on_build(line)` receives the installers' output."""
        runtime = runtime_family.resolve(
            config.runtime, config.runtime_client, config.handler, config.bootstrap
        )
        made = build.prepare(
            runtime.family, runtime.name, config.architecture, files, requirements, layers,
            on_build,
        )  # fmt: skip
        # The family's own build step (Java: javac; a CompileError publishes nothing).
        family_build = runtime_family.by_name(runtime.family).build
        compiled = None if family_build is None else family_build(runtime, files, on_build)
        with self._lock:
            number = self._counts.get(config.name, 0) + 1
            self._counts[config.name] = number
            task_root = self.work_dir / "functions" / config.name / str(number) / "task"
            task_root.mkdir(parents=True)
            for rel, content in files.items():
                path = task_root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, Path):  # a file of a code folder (from_directory)
                    if content.is_symlink():
                        path.symlink_to(os.readlink(content))
                    else:
                        shutil.copy2(content, path)
                elif isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(content, encoding="utf-8")
                if runtime_family.is_executable_code(config.runtime, rel, config.bootstrap):
                    path.chmod(0o755)  # a custom runtime's bootstrap, as it must be in the zip
            if compiled is not None:  # the compiled classes, beside the sources
                cache.link_tree(compiled, task_root)
            opt_dir = build.materialize(made, task_root, task_root.parent / "opt")
            if (
                runtime.family == "provided" and not config.bootstrap and opt_dir is not None
                and not (task_root / BOOTSTRAP_FILE).exists()
                and (opt_dir / BOOTSTRAP_FILE).is_file()
            ):  # a custom runtime from a layer: /var/task/bootstrap, else /opt/bootstrap
                runtime = replace(runtime, argv=(str(opt_dir / BOOTSTRAP_FILE),))
            if runtime.family == "nodejs":  # ES modules' view of /opt and the SDK
                build.esm_modules(
                    runtime.name, opt_dir, made.runtime_site, task_root.parent / "node_modules"
                )
            old = self._revisions.get(config.name)
            rev = FunctionRevision(
                config, number, task_root, runtime, code_file=code_file,
                code_sha256=_fingerprint(config, files, made),
                opt_dir=opt_dir, runtime_site=made.runtime_site, layers=made.layers,
                requirements=made.requirements, sources=dict(files),
            )  # fmt: skip
            self._revisions[config.name] = rev
        if old is not None:
            self._retire(old)
        return rev

    def revision(self, name: str) -> FunctionRevision | None:
        return self._revisions.get(name)

    @staticmethod
    def _arn(name: str) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"

    def resolve(self, name: str, qualifier: str | None = None) -> tuple[FunctionRevision, str]:
        """What an Invoke of `name:qualifier` runs, and the ARN it was invoked by: $LATEST's
        current revision, a published version, or the version an alias picks; else the API's
        not-found error."""
        with self._lock:
            rev = self._revisions.get(name)
            if rev is not None and qualifier not in (None, "$LATEST"):
                alias = self._aliases.get(name, {}).get(qualifier or "")
                version = alias.pick() if alias is not None else qualifier
                rev = self._versions.get(name, {}).get(version or "")
                if rev is None and alias is not None and version == "$LATEST":
                    rev = self._revisions.get(name)
        if rev is None:
            raise ResourceNotFoundException(
                f"Function not found: {self._arn(name)}:{qualifier or '$LATEST'}"
            )
        invoked = self._arn(name) + (f":{qualifier}" if qualifier else "")
        return rev, invoked

    def require(self, name: str, qualifier: str | None = None) -> FunctionRevision:
        """The revision an Invoke of `name` (and `qualifier`) runs, or the API's not-found error."""
        return self.resolve(name, qualifier)[0]

    # ------------------------------------------------------ versions, aliases
    def publish_version(self, name: str, description: str = "") -> str:
        """PublishVersion: freeze $LATEST's code and configuration as the next number. As on
        AWS, nothing new is published when nothing changed since the last version."""
        with self._lock:
            latest = self.require(name)
            versions = self._versions.setdefault(name, {})
            if versions:  # AWS compares code and configuration, not when they were saved
                last = versions[str(len(versions))]
                if last.code_sha256 == latest.code_sha256:
                    return last.version
            number = str(len(versions) + 1)
            versions[number] = replace(
                latest, version=number, description=description, environments=[]
            )
            return number

    def versions(self, name: str) -> list[str]:
        return ["$LATEST", *self._versions.get(name, {})]

    def aliases(self, name: str) -> dict[str, Alias]:
        return dict(self._aliases.get(name, {}))

    def create_alias(
        self, name: str, alias: str, version: str, routing: dict[str, float] | None = None,
        update: bool = False,
    ) -> Alias:  # fmt: skip
        """CreateAlias (or UpdateAlias with `update`): `alias` names `version`, and `routing`
        ({"2": 0.1}) sends that share of its invokes to another version."""
        made = check_alias(alias, version, routing)
        with self._lock:
            self.require(name)
            known = self._versions.get(name, {})
            for v in (version, *made.routing):
                if v != "$LATEST" and v not in known:
                    raise ResourceNotFoundException(f"Function not found: {self._arn(name)}:{v}")
            if made.routing and version == "$LATEST":
                raise InvalidParameterValueException(
                    "$LATEST is not supported for an alias pointing to more than 1 version"
                )
            aliases = self._aliases.setdefault(name, {})
            if alias in aliases and not update:
                raise ResourceConflictException(f"Alias already exists: {self._arn(name)}:{alias}")
            aliases[alias] = made
            return made

    def configure_provisioned(self, name: str, qualifier: str | None, count: int | None) -> int:
        """PutProvisionedConcurrencyConfig, done at once: `count` environments of the version
        (or the alias's version) run their init now, with AWS_LAMBDA_INITIALIZATION_TYPE
        provisioned-concurrency, so the first invokes are warm. Returns how many are ready (an
        init that fails leaves that environment out, and invokes run on demand). None
        removes them (DeleteProvisionedConcurrencyConfig); 0 is refused, as on AWS
        (triggers.md 4)."""
        if qualifier in (None, "$LATEST"):
            raise InvalidParameterValueException(
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions."
            )
        alias = self._aliases.get(name, {}).get(qualifier or "")
        rev = self.require(name, alias.version if alias is not None else qualifier)
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise ValidationException(
                f"1 validation error detected: Value '{count}' at "
                "'provisionedConcurrentExecutions' failed to satisfy constraint: Member must "
                "have value greater than or equal to 1"
            )
        reserved = self.concurrency.reserved(name)
        if count is not None and reserved is not None and count > reserved:
            raise InvalidParameterValueException(
                "Requested Provisioned Concurrency should not be greater than the "
                "reservedConcurrentExecution for function"
            )
        with self._lock:  # mark under the lock, so acquire never hands out what is retiring
            provisioned = [e for e in rev.environments if _provisioned(e)]
            surplus = provisioned[count or 0 :]
            for env in surplus:
                env.discarded = True
            rev.environments = [e for e in rev.environments if not e.discarded]
            new = [
                self._new_environment(rev, "provisioned-concurrency")
                for _ in range(max((count or 0) - len(provisioned), 0))
            ]
        for env in surplus:
            if not env.busy:  # a busy one is closed by release() when its invocation ends
                env.close()
        threads = [threading.Thread(target=env.initialize, daemon=True) for env in new]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with self._lock:
            for env in new:
                env.busy = False
            failed = [env for env in new if env.discarded]
        for env in failed:
            env.close()
        return len(_ready_provisioned(rev))

    # -------------------------------------------------------------- invoke
    def history(self, name: str) -> list[Invocation]:
        """Every invocation of `name` since it was created, oldest first: one list for the
        function's life, so a view holding it sees new invocations."""
        with self._lock:
            return self._histories.setdefault(name, [])

    def invoke(
        self,
        name: str,
        event: Any = None,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: dict[str, Any] | None = None,
        on_progress: Callable[[Invocation], None] | None = None,
        debug: DebugSession | None = None,
        fresh: bool = False,
    ) -> Invocation | AsyncRequest | None:
        """The Invoke operation. The request is checked first, as the API checks it: nothing
        runs and nothing is recorded when it is refused (an `InvokeError`; a throttle is
        `TooManyRequestsException`). `DryRun` stops there and returns None; `Event` queues the
        event and returns its `AsyncRequest` (the 202 answer). Otherwise one invocation runs to
        its end in an environment of the function's current revision and is returned, also
        kept in `history(name)`.

        `on_progress(inv)` runs on this thread at most every 50 ms while the handler runs.
        A KeyboardInterrupt aborts the invocation (its environment is reset) and propagates.
        `debug`: pdb in the handler asks that session's prompt (synchronous invokes of Python
        and Node.js functions only, engine/debugger.py); `fresh`: in a new environment (a cold
        start).
        """
        request.check_invocation_type(invocation_type)
        tail = request.check_log_type(log_type)
        if invocation_type == "Event":
            return self.invoke_async(name, event, qualifier)
        rev, invoked = self.resolve(name, qualifier)
        if debug is not None:
            if invocation_type != "RequestResponse":
                raise InvalidParameterValueException("debug: only a synchronous invoke can stop")
            check_runtime(rev.runtime, debug.port is not None, debug.post_mortem)
        payload = request.encode_event(event)
        context_header = request.client_context_header(client_context)
        if invocation_type == "DryRun":
            return None
        headers = {}
        if context_header is not None:  # the runtime gets it decoded (lambda-runtime.md 12)
            headers["Lambda-Runtime-Client-Context"] = context_header
        inv = self._run(
            rev, invoked, str(uuid.uuid4()), event, payload, headers, on_progress,
            debug=debug, fresh=fresh,
        )  # fmt: skip
        if tail:
            inv.log_result = request.log_result(inv)
        return inv

    def invoke_async(
        self, name: str, event: Any = None, qualifier: str | None = None
    ) -> AsyncRequest:
        """InvocationType Event: checked, queued, answered at once (202 and the request id
        that every attempt will carry)."""
        self.require(name, qualifier)
        payload = request.encode_event(event, asynchronous=True)
        queued = AsyncRequest(str(uuid.uuid4()), name, event, payload, qualifier)
        return self.events.submit(queued)

    def _deliver(self, target: str, record: dict[str, Any]) -> AsyncRequest | None:
        """A Lambda destination receives the record as an asynchronous event of its own; a
        queue, topic or bus gets it from whoever provides it (`ServiceDestinations`)."""
        provider = service_destination(target)
        if provider is not None:
            provider.deliver(target, record)
            return None
        try:
            return self.invoke_async(target, record)
        except InvokeError:  # deleted meanwhile, or the record is over the 1 MB Event limit
            return None  # the record is lost, as on AWS

    def configure_dead_letter(self, name: str, target_arn: str | None) -> None:
        """DeadLetterConfig: an SQS queue or SNS topic that gets each asynchronous event that
        failed (retries or event age exhausted), the event itself; None removes it."""
        self.require(name)
        if target_arn is None:
            self._dead_letters.pop(name, None)
            return
        provider = service_destination(target_arn)
        if provider is None or provider.dead_letter is None or ":events:" in target_arn:
            raise InvalidParameterValueException(
                f"The provided target arn {target_arn} is invalid: a dead-letter target is an "
                "SQS queue or SNS topic (of the local AWS: lambda_nb.aws)"
            )
        self._dead_letters[name] = target_arn

    def dead_letter_target(self, name: str) -> str | None:
        return self._dead_letters.get(name)

    def _dead_letter(self, queued: AsyncRequest, last: Invocation | None) -> None:
        target = self._dead_letters.get(queued.function_name)
        provider = None if target is None else service_destination(target)
        if target is None or provider is None or provider.dead_letter is None:
            return
        error = None if last is None else last.error
        attributes = dead_letter_attributes(queued.request_id, error)
        provider.dead_letter(target, queued.payload, attributes)

    def _attempt(self, queued: AsyncRequest) -> Invocation | None:
        """One try of a queued event, on the revision current now (triggers.md 5: an event runs
        the code current when it is dequeued). None if the function is gone."""
        try:
            rev, invoked = self.resolve(queued.function_name, queued.qualifier)
        except ResourceNotFoundException:
            return None
        return self._run(
            rev, invoked, queued.request_id, queued.event, queued.payload, {}, None, queued
        )

    def _run(
        self,
        rev: FunctionRevision,
        invoked_arn: str,
        request_id: str,
        event: Any,
        payload: bytes,
        headers: dict[str, str],
        on_progress: Callable[[Invocation], None] | None,
        queued: AsyncRequest | None = None,
        debug: DebugSession | None = None,
        fresh: bool = False,
    ) -> Invocation:
        """Run one invocation in an environment of `rev`; a throttle raises before anything is
        recorded. A queued event is "running" from the moment an environment has it."""
        env = self.acquire(rev, fresh)
        if queued is not None:
            queued.status = "running"
        inv = self.record_class(
            request_id=request_id,
            function_name=rev.config.name,
            version=rev.version,
            event=event,
            revision=rev.revision,
            invoked_function_arn=invoked_arn,
        )
        note = runtime_site.notice(rev.runtime.name) if rev.runtime_site is None else None
        if note is not None:  # said once: the SDK could not be installed (offline)
            inv.notes.append(note)
        self.history(rev.config.name).append(inv)
        try:
            env.invoke(inv, payload, on_progress, headers, debug)
        finally:
            self._keep_logs(inv, env.log_stream)  # before the environment's next invocation
            self.release(env)
            if inv.status == "running":  # no environment could be started
                inv.status = "aborted"
            inv._done.set()
        return inv

    # ------------------------------------------------------------------ logs
    def _keep_logs(self, inv: Invocation, stream: str) -> None:
        """Hand an ended invocation's records to the log store, and keep only the newest
        invocations' records in memory (`logs_in_memory`, `records_in_memory`): the older
        ones' `logs` become `StoredLogs`, read back from the store when asked for."""
        records = inv.logs
        key = self.log_store.add_invocation(inv.request_id, stream, records)
        with self._lock:
            kept = self._logs_kept
            kept.append((inv, key, len(records)))
            self._records_kept += len(records)
            while kept and (
                len(kept) > self.logs_in_memory
                or (len(kept) > 1 and self._records_kept > self.records_in_memory)
            ):
                old, old_key, count = kept.popleft()
                self._records_kept -= count
                old.logs = self._stored_logs(self.log_store, old_key, count)  # type: ignore[assignment]

    @property
    def log_groups(self) -> dict[str, dict[str, StreamLogs]]:
        """Every log group, its streams (one per execution environment) and their records."""
        out: dict[str, dict[str, StreamLogs]] = {}
        for group in sorted({rev.config.log_group for rev in self._revisions.values()}):
            out[group] = self.log_group(group)
        return out

    def log_group(self, group: str) -> dict[str, StreamLogs]:
        """A log group's streams, oldest first, each read from the store when asked for."""
        streams = self.log_store.streams(group)
        return {name: self._stream_logs(self.log_store, name) for name in streams}

    def filter_logs(
        self, group: str, pattern: str | None = None, since: float | None = None,
        until: float | None = None, streams: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[LogEvent]:  # fmt: skip
        """FilterLogEvents over a log group (log_store.LogStore.filter)."""
        return self.log_store.filter(group, pattern, since, until, streams, limit)

    # ------------------------------------------------- configuration of invokes
    def async_config(self, name: str) -> EventInvokeConfig:
        return self._async_configs.get(name) or EventInvokeConfig()

    def configure_async(self, name: str, **settings: Any) -> EventInvokeConfig:
        """PutFunctionEventInvokeConfig: retries, event age and destinations (all replaced)."""
        self.require(name)
        config = event_invoke_config(name, lambda n: n in self._revisions, **settings)
        self._async_configs[name] = config
        return config

    def configure_concurrency(self, name: str, reserved: int | None) -> None:
        """PutFunctionConcurrency (None: DeleteFunctionConcurrency)."""
        self.require(name)
        provisioned = self.provisioned(name)
        # The recorded text, spaces and all (triggers.md 4).
        if (
            isinstance(reserved, int)
            and not isinstance(reserved, bool)
            and 0 <= reserved < provisioned
        ):
            raise InvalidParameterValueException(
                f" ReservedConcurrentExecutions  {reserved} should not be lower than "
                f"function's total provisioned concurrency [{provisioned}]."
            )
        self.concurrency.reserve(name, reserved)

    def provisioned(self, name: str) -> int:
        """How many provisioned environments the function's versions have."""
        with self._lock:
            return sum(len(_ready_provisioned(v)) for v in self._versions.get(name, {}).values())

    def acquire(self, rev: FunctionRevision, fresh: bool = False) -> ExecutionEnvironment:
        """An idle environment of this revision, or a new one (concurrency = more environments;
        always a new one when `fresh`); `TooManyRequestsException` when the function's reserved
        concurrency is all in use."""
        with self._lock:
            if self._closed:
                raise ResourceNotFoundException(f"Function not found: {self._arn(rev.config.name)}")
            self.concurrency.enter(rev.config.name)
            try:
                rev.environments = [e for e in rev.environments if not e.discarded]
                for env in [] if fresh else rev.environments:
                    if not env.busy:
                        env.busy = True
                        return env
                env = self._new_environment(rev, "on-demand")
            except BaseException:
                self.concurrency.leave(rev.config.name)
                raise
            if rev.retired:  # resolved before a re-publish or close: run once, then end it
                env.discarded = True
            return env

    def _new_environment(
        self, rev: FunctionRevision, initialization_type: str
    ) -> ExecutionEnvironment:
        """A new environment of `rev`, busy (handed to its first user), in the log group."""
        with self._lock:
            if not self._work_dir_watched:  # the watchdog removes it if we die
                self.reaper.watch_dir(str(self.work_dir))
                self._work_dir_watched = True
            env = ExecutionEnvironment(
                rev.config, rev.revision, rev.task_root, rev.runtime, self.work_dir,
                reaper=self.reaper, memory_backend=self.memory_backend, version=rev.version,
                initialization_type=initialization_type, opt_dir=rev.opt_dir,
                runtime_site=rev.runtime_site,
            )  # fmt: skip
            env.busy = True
            rev.environments.append(env)
            cfg = rev.config
            self.log_store.add_stream(
                cfg.log_group, env.log_stream, cfg.name, rev.version, cfg.log_format
            )
            env.stream_sink = functools.partial(self.log_store.add_record, env.log_stream)
            return env

    def release(self, env: ExecutionEnvironment) -> None:
        with self._lock:
            env.busy = False
            self.concurrency.leave(env.config.name)
        if env.discarded:
            env.close()

    def reset(self, name: str) -> None:
        """End every environment of `name`, of $LATEST and of its published versions (their
        provisioned environments too): the next invoke of any is a cold start."""
        with self._lock:
            revs = [self._revisions.get(name), *self._versions.get(name, {}).values()]
        for rev in revs:
            if rev is not None:
                self._retire(rev, final=False)

    def _retire(self, rev: FunctionRevision, force: bool = False, final: bool = True) -> None:
        """End the revision's environments. One still running an invocation finishes it first
        (as on AWS, where new code does not kill invocations in flight) unless `force`.
        `final`: the revision itself is gone (replaced or deleted), not only reset."""
        with self._lock:
            envs, rev.environments = rev.environments, []
            rev.retired = rev.retired or final
            for env in envs:
                env.discarded = True
            idle = [env for env in envs if force or not env.busy]
        for env in idle:
            env.close()

    def remove(self, name: str) -> None:
        with self._lock:
            rev = self._revisions.pop(name, None)
            self.functions.pop(name, None)
            self._histories.pop(name, None)  # a handle still holds it; a new function starts afresh
            self._async_configs.pop(name, None)
            self._dead_letters.pop(name, None)
            self._aliases.pop(name, None)
            versions = self._versions.pop(name, {})
            self.concurrency.reserve(name, None)
        self.events.drop(name)
        for old in [rev, *versions.values()]:
            if old is not None:
                self._retire(old, force=True)

    def close(self) -> None:
        """End everything this service started."""
        if self._closed:
            return
        self._closed = True
        self.events.close()  # queued events are dropped; running attempts end with their envs
        for name in list(self._revisions):
            self.remove(name)
        self.events.join()
        self.reaper.close()
        self.log_store.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)


def _fingerprint(
    config: FunctionConfig,
    files: Mapping[str, str | bytes | Path],
    made: build.Build | None = None,
) -> str:
    """What makes two revisions the same function: their files and their configuration."""
    digest = hashlib.sha256(repr(config).encode())
    contents = {rel: _stamp(c) if isinstance(c, Path) else c for rel, c in files.items()}
    if made is not None:  # the installed requirements and the layers are code too
        digest.update(repr((made.requirements_dir, made.layer_snapshots)).encode())
    for rel in sorted(contents):
        content = contents[rel]
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        digest.update(f"{rel}\0{len(data)}\0".encode())  # lengths keep file boundaries apart
        digest.update(data)
    return digest.hexdigest()


def _stamp(path: Path) -> str:
    """A code folder's file stands for its path, size and modification time."""
    st = path.lstat()
    return repr((str(path), st.st_size, st.st_mtime_ns))


_default: LambdaService | None = None
_default_lock = threading.Lock()


def default_service() -> LambdaService:
    """The process-wide service, created on first use and closed at interpreter exit."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = LambdaService()
            atexit.register(_default.close)
        return _default
