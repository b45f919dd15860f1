"""Versions, aliases and provisioned concurrency with real environments: a version keeps its
code while $LATEST changes; a qualified invoke shows its version in the context, the START line,
the log stream and the invoked ARN; a weighted alias splits traffic; provisioned environments
are initialised ahead and serve warm first invokes."""

from __future__ import annotations

import collections

import pytest

from lambda_nb import Function
from lambda_nb.engine.errors import (
    InvalidParameterValueException,
    ResourceNotFoundException,
    ValidationException,
)

CODE = """
import os
LABEL = {label!r}
def lambda_handler(event, context):
    return {{"label": LABEL, "version": context.function_version,
             "arn": context.invoked_function_arn,
             "env_version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
             "init_type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]}}
"""


@pytest.fixture
def versioned(make_function):
    """A function with version 1 ("one") and version 2 ("two"); $LATEST is "three"."""
    fn = make_function(CODE.format(label="one"))
    assert fn.publish_version() == "1"
    options = {"service": fn.service, "runtime_client": fn.config.runtime_client}
    Function.from_source(CODE.format(label="two"), name=fn.name, **options)
    assert fn.publish_version("second") == "2"
    Function.from_source(CODE.format(label="three"), name=fn.name, **options)
    return fn


def test_a_version_keeps_its_code_while_latest_changes(versioned):
    fn = versioned
    assert fn.versions == ["$LATEST", "1", "2"]
    latest, one, two = fn.invoke({}), fn.invoke({}, qualifier="1"), fn.invoke({}, qualifier="2")
    assert [latest.payload["label"], one.payload["label"], two.payload["label"]] == [
        "three", "one", "two",
    ]  # fmt: skip
    assert one.payload["version"] == one.payload["env_version"] == one.version == "1"
    assert latest.payload["version"] == "$LATEST"
    assert one.payload["arn"] == f"{fn.config.function_arn}:1"
    assert latest.payload["arn"] == fn.config.function_arn  # unqualified, as invoked
    start = next(r.message for r in one.logs if r.message.startswith("START"))
    assert start.endswith("Version: 1\n")
    assert "/[1]" in one.environment and "/[$LATEST]" in latest.environment


def test_publishing_without_a_change_returns_the_last_version(versioned):
    assert versioned.publish_version() == "3"  # $LATEST ("three") changed since 2
    assert versioned.publish_version() == "3"


def test_an_alias_names_a_version_and_can_be_moved(versioned):
    fn = versioned
    fn.create_alias("prod", "1")
    inv = fn.invoke({}, qualifier="prod")
    assert inv.payload["label"] == "one" and inv.version == "1"
    assert inv.payload["arn"] == f"{fn.config.function_arn}:prod"
    fn.create_alias("prod", "2")  # run again: updated
    assert fn.invoke({}, qualifier="prod").payload["label"] == "two"


def test_a_weighted_alias_splits_traffic(versioned):
    fn = versioned
    fn.create_alias("canary", "1", routing={"2": 0.5})
    served = collections.Counter(fn.invoke({}, qualifier="canary").version for _ in range(60))
    assert set(served) == {"1", "2"}  # both serve (the chance of one alone is 2 in 10^18)
    assert [inv.version for inv in fn.history][-60:].count("2") == served["2"]


def test_bad_qualifiers_and_aliases(versioned):
    fn = versioned
    with pytest.raises(ResourceNotFoundException, match=r"function:.*:7$"):
        fn.invoke({}, qualifier="7")
    with pytest.raises(ResourceNotFoundException, match=r"function:.*:nope$"):
        fn.invoke({}, qualifier="nope")
    with pytest.raises(ResourceNotFoundException, match=r":9$"):
        fn.create_alias("prod", "9")
    with pytest.raises(ValidationException, match="regular expression"):
        fn.create_alias("123", "1")
    with pytest.raises(InvalidParameterValueException):
        fn.create_alias("two-extra", "1", routing={"2": 0.1, "3": 0.1})
    with pytest.raises(ValidationException):
        fn.create_alias("heavy", "1", routing={"2": 1.5})
    assert fn.aliases == {}


def test_provisioned_environments_are_initialised_ahead(versioned):
    fn = versioned
    with pytest.raises(InvalidParameterValueException) as latest:
        fn.configure(provisioned_concurrency=2)
    assert str(latest.value).endswith(
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
    )
    with pytest.raises(ValidationException, match="greater than or equal to 1"):
        fn.configure(provisioned_concurrency=-1, qualifier="1")
    fn.configure(provisioned_concurrency=2, qualifier="1")
    streams = [s for s in fn.log_group if "/[1]" in s]
    assert len(streams) == 2
    for stream in streams:
        assert fn.log_group[stream][0].message.startswith("INIT_START")
    first = fn.invoke({}, qualifier="1")
    assert not first.cold and first.report.init_duration_ms is None
    assert first.payload["init_type"] == "provisioned-concurrency"
    assert first.environment in streams
    fn.configure(provisioned_concurrency=None, qualifier="1")
    spill = fn.invoke({}, qualifier="1")
    assert spill.cold and spill.payload["init_type"] == "on-demand"


def test_provisioned_above_reserved_is_refused(versioned):
    fn = versioned
    fn.configure(reserved_concurrency=1)
    with pytest.raises(InvalidParameterValueException, match="should not be greater"):
        fn.configure(provisioned_concurrency=2, qualifier="2")


def test_provisioned_concurrency_shrinks_and_counts_against_reserved(versioned):
    fn = versioned
    fn.configure(provisioned_concurrency=2, qualifier="1")
    fn.configure(provisioned_concurrency=1, qualifier="1")
    assert fn.service.provisioned(fn.name) == 1
    with pytest.raises(ValidationException, match="greater than or equal to 1"):
        fn.configure(provisioned_concurrency=0, qualifier="1")
    with pytest.raises(InvalidParameterValueException) as low:
        fn.configure(reserved_concurrency=0)
    assert str(low.value).endswith(
        " ReservedConcurrentExecutions  0 should not be lower than function's total "
        "provisioned concurrency [1]."
    )


def test_reset_ends_the_versions_environments_too(versioned):
    fn = versioned
    fn.configure(provisioned_concurrency=1, qualifier="2")
    assert not fn.invoke({}, qualifier="2").cold
    fn.reset()
    assert fn.invoke({}, qualifier="2").cold and fn.invoke({}, qualifier="1").cold


def test_running_an_unchanged_cell_again_publishes_nothing_new(versioned):
    fn = versioned
    number = fn.publish_version()
    options = {"service": fn.service, "runtime_client": fn.config.runtime_client}
    Function.from_source(CODE.format(label="three"), name=fn.name, **options)  # same code again
    assert fn.publish_version() == number


def test_an_invoke_resolved_before_a_republish_leaves_no_environment(versioned):
    fn = versioned
    service = fn.service
    old, invoked = service.resolve(fn.name)
    Function.from_source(CODE.format(label="four"), name=fn.name, service=service,
                         runtime_client=fn.config.runtime_client)  # fmt: skip
    late = service._run(old, invoked, "late-request", {}, b"{}", {}, None)
    assert late.payload["label"] == "three"  # it ran the revision it was resolved to
    assert old.environments == [] or all(e.discarded for e in old.environments)
