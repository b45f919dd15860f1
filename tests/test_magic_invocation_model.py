"""The invocation model through the magic: %lambda invoke --async / --count / --qualifier,
%lambda configure, publish and alias, in IPython's test shell with real environments."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import lambda_nb
from lambda_nb.engine.service import default_service

ECHO = "def lambda_handler(event, context):\n    return {'v': LABEL, 'e': event}\nLABEL = 'one'\n"
FAILS = "def lambda_handler(event, context):\n    raise ValueError('nope')\n"


@pytest.fixture(autouse=True)
def fast_lambda_time():
    previous = lambda_nb.time_scale(600)
    yield
    lambda_nb.time_scale(previous)


def define(ip: Any, name: str, code: str) -> Any:
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", code)
    return default_service().functions[name]


def line(ip: Any, text: str) -> str:
    with capture_output() as cap:
        ip.run_line_magic("lambda", text)
    return cap.stdout


def test_async_invoke_answers_at_once_and_stores_the_request(ip: Any, name: str) -> None:
    fn = define(ip, name, ECHO)
    out = line(ip, f"invoke {name} --async --event '{{\"k\": 1}}' -o req")
    req = ip.user_ns["req"]
    assert out.startswith("202 Accepted: ") and req.request_id in out
    assert req.wait(60).status == "succeeded"
    assert fn.history[-1].payload == {"v": "one", "e": {"k": 1}}


def test_configure_retries_and_destination(ip: Any, name: str) -> None:
    dest = define(ip, f"{name}-dlq", "def lambda_handler(event, context):\n    return event\n")
    fn = define(ip, name, FAILS)
    out = line(ip, f"configure {name} --retries 1 --on-failure {dest.name}")
    assert out.strip() == (
        f"{name}: reserved concurrency none, async retries 1, max event age 21600 s, "
        f"on failure -> {dest.name}"
    )
    out = line(ip, f"configure {name} --max-event-age 3600")  # merged: retries stay 1
    assert "async retries 1, max event age 3600 s" in out
    req = fn.invoke_async({})
    assert len(req.wait(60).attempts) == 2 and req.condition == "RetriesExhausted"


def test_configure_reserved_concurrency_and_remove_it(ip: Any, name: str) -> None:
    fn = define(ip, name, ECHO)
    assert "reserved concurrency 0" in line(ip, f"configure {name} --reserved-concurrency 0")
    with pytest.raises(UsageError, match=r"TooManyRequestsException: Rate Exceeded\."):
        ip.run_line_magic("lambda", f"invoke {name}")
    assert "reserved concurrency none" in line(ip, f"configure {name} --reserved-concurrency none")
    assert fn.invoke({}).status == "success"


def test_bad_configure_values_are_aws_errors(ip: Any, name: str) -> None:
    define(ip, name, ECHO)
    with pytest.raises(UsageError, match="Member must have value less than or equal to 2"):
        ip.run_line_magic("lambda", f"configure {name} --retries 5")
    with pytest.raises(UsageError, match="destination for itself"):
        ip.run_line_magic("lambda", f"configure {name} --on-failure {name}")


def test_publish_alias_and_qualified_invoke(ip: Any, name: str) -> None:
    fn = define(ip, name, ECHO)
    assert line(ip, f"publish {name}").startswith(f"Published {name} version 1")
    define(ip, name, ECHO.replace("'one'", "'two'"))
    line(ip, f"publish {name} --description second")
    assert line(ip, f"alias {name} prod 1 --routing 2=0.25").strip() == (
        f"{name}:prod -> version 1, 25% to version 2"
    )
    with capture_output():
        ip.run_line_magic("lambda", f"invoke {name} --qualifier 2 -o inv")
    assert ip.user_ns["inv"].payload["v"] == "two" and ip.user_ns["inv"].version == "2"
    with pytest.raises(UsageError, match=r"Function not found: .*:9"):
        ip.run_line_magic("lambda", f"alias {name} prod 9")
    assert fn.aliases["prod"].version == "1"


def test_a_burst_shows_its_timeline(ip: Any, name: str) -> None:
    define(ip, name, ECHO)
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"invoke {name} --count 6 --concurrency 3 -o burst")
    results = ip.user_ns["burst"]
    assert len(results) == 6 and all(r.status == "success" for r in results)
    [shown] = [o.data for o in cap.outputs]
    assert set(shown) == {"text/plain", "text/html"}
    assert "Events: 6" in shown["text/plain"] and "Cold starts:" in shown["text/plain"]
    environments = len({r.environment for r in results})
    assert f"Execution environments: {environments}" in shown["text/plain"]
    page = shown["text/html"]
    svg = base64.b64decode(page.split("base64,", 1)[1].split('"', 1)[0]).decode()
    assert svg.count("env ") == environments  # one lane per environment
    assert "<script" not in page


def test_invoke_help_lists_the_new_options(ip: Any) -> None:
    out = line(ip, "invoke --help")
    for option in ("--async", "--count", "--concurrency", "--qualifier"):
        assert option in out
    assert "--reserved-concurrency" in line(ip, "help configure")


def test_history_says_which_version_served_each_call(ip: Any, name: str) -> None:
    fn = define(ip, name, ECHO)
    fn.publish_version()
    fn.invoke({})
    fn.invoke({}, qualifier="1")
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"history {name}")
    text = cap.outputs[-1].data["text/plain"]
    rows = text.splitlines()[3:]
    assert "version" in text.splitlines()[1]
    assert " $LATEST " in rows[0] and " 1 " in rows[1]


def test_a_refused_invoke_leaves_one_line_not_a_live_view(ip: Any, name: str) -> None:
    fn = define(ip, name, ECHO)
    fn.configure(reserved_concurrency=0)
    with capture_output() as cap, pytest.raises(UsageError, match="Rate Exceeded"):
        ip.run_line_magic("lambda", f"invoke {name}")
    final = cap.outputs[-1].data if cap.outputs else {}
    assert "invoking" not in final.get("text/plain", "")
    assert "application/vnd.jupyter.widget-view+json" not in final
