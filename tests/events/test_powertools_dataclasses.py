"""Semantics: what we put in comes back out through powertools' event data classes.

The data classes decode what the models only type-check: URL-encoded S3 keys, base64 bodies,
gzip'd log data, typed DynamoDB images. Each test asserts the properties that matter for its
source rather than "every property is readable" (see spec 4.3).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities import data_classes as dc
from aws_lambda_powertools.utilities.data_classes import (
    active_mq_event,
    api_gateway_authorizer_event,
    cognito_user_pool_event,
    rabbit_mq_event,
)

import lambda_nb.events as ev

TRICKY = 'quote " backslash \\ newline \n tab \t unicode ü 日本 🎉'


def wire(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the handler receives it: through JSON."""
    return json.loads(json.dumps(event))


def test_s3_object_key_decodes_to_the_key() -> None:
    for name in ("s3.put", "s3.post", "s3.copy", "s3.multipart", "s3.delete", "s3.restore"):
        key = f"dir/a b+c%20{TRICKY}.txt"
        event = dc.S3Event(wire(ev.build(name, bucket="my-bucket", key=key)))
        assert event.object_key == key
        assert event.bucket_name == "my-bucket"
        record = event.record
        assert record.s3.bucket.arn == "arn:aws:s3:::my-bucket"
        assert record.event_name == "ObjectCreated:Put" or name != "s3.put"
    put = dc.S3Event(wire(ev.build("s3.put", size=77, etag="abc", version_id="v9")))
    assert put.record.s3.get_object.size == 77
    assert put.record.s3.get_object.etag == "abc"
    assert put.record.s3.get_object.version_id == "v9"
    restore = dc.S3Event(wire(ev.build("s3.restore", storage_class="Glacier")))
    glacier = restore.record.glacier_event_data
    assert glacier is not None
    assert glacier.restore_event_data.lifecycle_restore_storage_class == "Glacier"


def test_sqs_body_json_body_and_attributes() -> None:
    bodies = [{"order": 1, "note": TRICKY}, "plain text", ""]
    event = dc.SQSEvent(
        wire(ev.build("sqs.receive", bodies=bodies, attributes={"s": TRICKY, "n": 3}))
    )
    records = list(event.records)
    assert records[0].json_body == bodies[0]
    assert [r.body for r in records[1:]] == ["plain text", ""]
    assert len({r.message_id for r in records}) == 3
    attr = records[0].message_attributes["s"]
    assert attr is not None and attr.string_value == TRICKY and attr.data_type == "String"
    assert records[0].queue_url == "https://sqs.us-east-1.amazonaws.com/123456789012/MyQueue"
    fifo = list(dc.SQSEvent(wire(ev.build("sqs.fifo", count=3, group_id="g"))).records)
    assert {r.attributes.message_group_id for r in fifo} == {"g"}
    sequence = [int(r.attributes.sequence_number or 0) for r in fifo]
    assert sequence == sorted(sequence) and len(set(sequence)) == 3


def test_api_gateway_rest_decoded_body_query_and_headers() -> None:
    for binary in (False, True):
        raw = ev.build(
            "apigateway.rest", method="POST", path="/orders/42", resource="/orders/{id}",
            body=TRICKY, binary=binary, query={"q": ["a", "b"]}, headers={"X-Id": "7"},
        )  # fmt: skip
        event = dc.APIGatewayProxyEvent(wire(raw))
        assert event.decoded_body == TRICKY
        assert event.is_base64_encoded is binary
        assert event.http_method == "POST"
        assert event.path_parameters == {"id": "42"}
        assert event.get_query_string_value("q") == "b"
        assert event.multi_value_query_string_parameters == {"q": ["a", "b"]}
        assert event.headers["X-Id"] == "7"
        assert event.request_context.stage == "prod"
        assert event.request_context.http_method == "POST"
        assert event.resource == "/orders/{id}"
        assert event.version == "1.0"
    empty = wire(ev.build("apigateway.rest", body=""))
    assert empty["body"] is None and empty["queryStringParameters"] is None
    assert empty["multiValueQueryStringParameters"] is None


def test_http_api_and_function_url_v2() -> None:
    raw = ev.build(
        "apigateway.http", method="PUT", path="/items/9", route_key="PUT /items/{id}",
        body=TRICKY, binary=True, query={"a": ["1", "2"]}, headers={"Cookie": "x=1; y=2"},
        auth="jwt", claims={"sub": "user-1"},
    )  # fmt: skip
    event = dc.APIGatewayProxyEventV2(wire(raw))
    assert event.decoded_body == TRICKY
    assert event.cookies == ["x=1", "y=2"]
    assert event.path_parameters == {"id": "9"}
    assert event.query_string_parameters == {"a": "1,2"}
    assert event.raw_path == "/items/9" and event.route_key == "PUT /items/{id}"
    assert event.request_context.http.method == "PUT"
    assert event.request_context.authorizer.jwt_claim == {"sub": "user-1"}
    url = dc.LambdaFunctionUrlEvent(
        wire(ev.build("functionurl.request", body="hi", auth_type="AWS_IAM"))
    )
    assert url.decoded_body == "hi"
    assert url.request_context.stage == "$default" and url.route_key == "$default"
    assert url.request_context.authorizer.iam.account_id == "123456789012"
    assert url.request_context.domain_name.endswith(".lambda-url.us-east-1.on.aws")


def test_alb_single_and_multi_value() -> None:
    single = dc.ALBEvent(wire(ev.build("alb.request", body=TRICKY, query={"q": "a b"})))
    assert single.decoded_body == TRICKY
    assert single.query_string_parameters == {"q": "a%20b"}  # ALB does not URL-decode
    assert "multiValueHeaders" not in single.raw_event
    multi = dc.ALBEvent(
        wire(ev.build("alb.multi_value", headers={"X-A": ["1", "2"]}, query={"q": ["1", "2"]}))
    )
    assert multi.multi_value_headers["x-a"] == ["1", "2"]
    assert multi.multi_value_query_string_parameters == {"q": ["1", "2"]}
    assert "headers" not in multi.raw_event
    assert multi.request_context.elb_target_group_arn.startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/"
    )


def test_sns_message_subject_and_attributes() -> None:
    record = dc.SNSEvent(
        wire(
            ev.build(
                "sns.notification", message={"k": TRICKY}, subject=TRICKY, attributes={"a": "b"}
            )
        )
    ).record
    assert json.loads(record.sns.message) == {"k": TRICKY}
    assert record.sns.subject == TRICKY
    assert record.sns.message_attributes["a"].value == "b"
    assert record.sns.topic_arn == "arn:aws:sns:us-east-1:123456789012:ExampleTopic"
    assert record.event_subscription_arn.startswith(record.sns.topic_arn + ":")
    none = dc.SNSEvent(wire(ev.build("sns.notification"))).record
    assert none.sns.subject is None


def test_eventbridge_custom_scheduled_and_scheduler() -> None:
    event = dc.EventBridgeEvent(
        wire(
            ev.build(
                "eventbridge.custom", source="my.app", detail_type="Thing", detail={"t": TRICKY}
            )
        )
    )
    assert (event.source, event.detail_type, event.detail) == ("my.app", "Thing", {"t": TRICKY})
    scheduled = dc.EventBridgeEvent(wire(ev.build("eventbridge.scheduled", rule="Nightly")))
    assert scheduled.resources == ["arn:aws:events:us-east-1:123456789012:rule/Nightly"]
    assert scheduled.detail == {} and scheduled.detail_type == "Scheduled Event"
    assert dc.EventBridgeEvent(wire(ev.build("eventbridge.scheduler"))).source == "aws.scheduler"


def test_dynamodb_images_round_trip() -> None:
    item = {"id": "a", "n": 1.5, "big": 10**20, "ok": True, "none": None, "list": [1, "x"],
            "map": {"k": TRICKY}, "tags": {"x", "y"}}  # fmt: skip
    insert = dc.DynamoDBStreamEvent(wire(ev.build("dynamodb.insert", item=item)))
    record = next(iter(insert.records))
    image = record.dynamodb.new_image
    assert image["id"] == "a" and image["ok"] is True and image["none"] is None
    assert float(image["n"]) == 1.5 and int(image["big"]) == 10**20
    assert image["map"] == {"k": TRICKY} and set(image["tags"]) == {"x", "y"}
    assert record.dynamodb.keys == {"id": "a"}
    assert record.dynamodb.old_image == {}
    changed = ev.build("dynamodb.update", item={"id": "a", "n": 1}, changes={"n": 2})
    update = list(dc.DynamoDBStreamEvent(wire(changed)).records)
    assert [r.event_name.name for r in update] == ["INSERT", "MODIFY", "REMOVE"]
    assert update[1].dynamodb.old_image["n"] != update[1].dynamodb.new_image["n"]
    assert int(update[1].dynamodb.new_image["n"]) == 2
    assert update[2].dynamodb.new_image == {}


def test_kinesis_data_as_text_and_firehose_data() -> None:
    records = list(
        dc.KinesisStreamEvent(wire(ev.build("kinesis.records", records=[TRICKY, {"a": 1}]))).records
    )
    assert records[0].kinesis.data_as_text() == TRICKY
    assert records[1].kinesis.data_as_json() == {"a": 1}
    assert records[0].event_id == f"shardId-000000000000:{records[0].kinesis.sequence_number}"
    firehose = dc.KinesisFirehoseEvent(wire(ev.build("firehose.transform", records=[TRICKY])))
    record = next(iter(firehose.records))
    assert record.data_as_text == TRICKY
    assert firehose.delivery_stream_arn.endswith(":deliverystream/example-delivery-stream")


def test_cloudwatch_logs_parse_logs_data() -> None:
    messages = [TRICKY, {"level": "INFO"}, [1_700_000_000_123, "at a given time"]]
    raw = ev.build("cloudwatch.logs", messages=messages, log_group="/aws/lambda/x", filters=["f"])
    data = dc.CloudWatchLogsEvent(wire(raw)).parse_logs_data()
    assert [e.message for e in data.log_events] == [TRICKY, '{"level": "INFO"}', "at a given time"]
    assert data.log_events[2].timestamp == 1_700_000_000_123
    assert data.log_group == "/aws/lambda/x" and data.subscription_filters == ["f"]
    assert data.message_type == "DATA_MESSAGE" and data.owner == "123456789012"


def test_kafka_values_keys_and_headers() -> None:
    event = dc.KafkaEvent(
        wire(ev.build("kafka.msk", values=[TRICKY, {"a": 1}], key="k", headers={"h": "v"}))
    )
    records = list(event.records)
    assert records[0].decoded_value == TRICKY.encode()
    assert records[1].json_value == {"a": 1}
    assert records[0].decoded_key == b"k"
    assert records[0].decoded_headers == {"h": b"v"}
    assert [r.offset for r in records] == [15, 16]
    smk = dc.KafkaEvent(wire(ev.build("kafka.self_managed")))
    assert smk.event_source == "SelfManagedKafka"
    assert smk.bootstrap_servers == "kafka-1.example.com:9092,kafka-2.example.com:9092"


def test_cloudformation_and_ses() -> None:
    update = dc.CloudFormationCustomResourceEvent(
        wire(ev.build("cloudformation.update", properties={"A": TRICKY}, old_properties={"A": "0"}))
    )
    assert update.request_type == "Update"
    assert update.resource_properties["A"] == TRICKY
    assert update.old_resource_properties["A"] == "0"
    assert update.resource_properties["ServiceToken"] == update.service_token
    mail = dc.SESEvent(wire(ev.build("ses.receive", subject=TRICKY))).record.ses.mail
    assert mail.common_headers.subject == TRICKY


def test_cognito_triggers() -> None:
    pre = cognito_user_pool_event.PreSignUpTriggerEvent(
        wire(
            ev.build(
                "cognito.pre_signup", user_name="u", email="e@x.io", client_metadata={"a": "b"}
            )
        )
    )
    assert pre.user_name == "u" and pre.request.user_attributes["email"] == "e@x.io"
    assert pre.request.client_metadata == {"a": "b"}
    assert pre.response.auto_confirm_user is False
    v2 = cognito_user_pool_event.PreTokenGenerationV2TriggerEvent(
        wire(ev.build("cognito.pre_token_generation_v2", scopes=["openid"], groups=["admins"]))
    )
    assert v2.request.scopes == ["openid"]
    assert v2.request.group_configuration.groups_to_override == ["admins"]
    verify = cognito_user_pool_event.VerifyAuthChallengeResponseTriggerEvent(
        wire(ev.build("cognito.verify_auth_challenge", answer="1", expected="2"))
    )
    assert verify.request.challenge_answer == "1"
    assert verify.request.private_challenge_parameters == {"answer": "2"}
    message = cognito_user_pool_event.CustomMessageTriggerEvent(
        wire(ev.build("cognito.custom_message"))
    )
    assert message.request.code_parameter == "{####}"
    migration = cognito_user_pool_event.UserMigrationTriggerEvent(
        wire(ev.build("cognito.user_migration", password=TRICKY))
    )
    assert migration.request.password == TRICKY


def test_api_gateway_authorizers() -> None:
    token = api_gateway_authorizer_event.APIGatewayAuthorizerTokenEvent(
        wire(ev.build("apigateway.authorizer_token", token="Bearer t", api_id="abc", stage="dev"))
    )
    assert token.authorization_token == "Bearer t"
    arn = token.parsed_arn
    assert (arn.api_id, arn.stage, arn.http_method, arn.resource) == (
        "abc",
        "dev",
        "GET",
        "items/42",
    )
    request = api_gateway_authorizer_event.APIGatewayAuthorizerRequestEvent(
        wire(ev.build("apigateway.authorizer_request", token="t1"))
    )
    assert request.headers.get("authorization") == "t1"
    assert request.parsed_arn.region == "us-east-1"
    v2 = api_gateway_authorizer_event.APIGatewayAuthorizerEventV2(
        wire(
            ev.build(
                "apigateway.authorizer_http",
                token="t2",
                path="/items/5",
                route_key="GET /items/{id}",
            )
        )
    )
    assert v2.identity_source == ["t2"]
    assert v2.path_parameters == {"id": "5"}
    assert v2.parsed_arn.resource == "items/5"


def test_websocket_events() -> None:
    message = dc.APIGatewayWebSocketEvent(
        wire(ev.build("websocket.message", body=TRICKY, connection_id="C1=", route_key="chat"))
    )
    assert message.decoded_body == TRICKY
    assert message.request_context.connection_id == "C1="
    assert message.request_context.route_key == "chat"
    connect = dc.APIGatewayWebSocketEvent(wire(ev.build("websocket.connect", query={"t": "1"})))
    assert connect.request_context.event_type == "CONNECT"
    assert connect.query_string_parameters == {"t": "1"}


def test_tier_3_data_classes() -> None:
    batch = dc.S3BatchOperationEvent(wire(ev.build("s3.batch", key=f"a b/{TRICKY}")))
    assert batch.task.s3_key == f"a b/{TRICKY}"
    assert batch.task.s3_bucket == "example-bucket"
    # Through EventBridge the key is plain (spec section 6). powertools' data class still applies
    # unquote_plus, so only keys without "+" or "%" survive it: check the raw key and one such.
    assert wire(ev.build("s3.eventbridge", key="a b+c"))["detail"]["object"]["key"] == "a b+c"
    via_eb = dc.S3EventBridgeNotificationEvent(wire(ev.build("s3.eventbridge", key="a b/ü.txt")))
    assert via_eb.detail.object.key == "a b/ü.txt"
    secret = dc.SecretsManagerEvent(wire(ev.build("secretsmanager.rotation", step="testSecret")))
    assert secret.step == "testSecret"
    amq = active_mq_event.ActiveMQEvent(wire(ev.build("mq.activemq", messages=[TRICKY, "b"])))
    assert [m.decoded_data for m in amq.messages] == [TRICKY, "b"]
    rmq = rabbit_mq_event.RabbitMQEvent(
        wire(ev.build("mq.rabbitmq", data=TRICKY, headers={"h": "v"}))
    )
    ((queue, messages),) = rmq.rmq_messages_by_queue.items()
    assert queue == "testQueue::/" and messages[0].decoded_data == TRICKY
    config = dc.AWSConfigRuleEvent(wire(ev.build("config.change", rule_parameters={"p": TRICKY})))
    assert config.rule_parameters == {"p": TRICKY}
    assert config.invoking_event.message_type == "ConfigurationItemChangeNotification"
    periodic = dc.AWSConfigRuleEvent(wire(ev.build("config.periodic")))
    assert periodic.invoking_event.message_type == "ScheduledNotification"
    job = dc.CodePipelineJobEvent(
        wire(ev.build("codepipeline.job", input_key="a b/c.zip", user_parameters="x"))
    )
    assert job.data.input_artifacts[0].location.s3_location.object_key == "a b/c.zip"
    assert job.user_parameters == "x"
    contact = dc.ConnectContactFlowEvent(
        wire(ev.build("connect.contact_flow", parameters={"a": "b"}))
    )
    assert contact.parameters == {"a": "b"}
    hook = dc.CodeDeployLifecycleHookEvent(wire(ev.build("codedeploy.hook", deployment_id="d-1")))
    assert hook.deployment_id == "d-1"
    alarm = dc.CloudWatchAlarmEvent(wire(ev.build("cloudwatch.alarm", alarm_name="A", state="OK")))
    assert alarm.alarm_data.alarm_name == "A" and alarm.alarm_data.state.value == "OK"
    resolver = dc.AppSyncResolverEvent(wire(ev.build("appsync.resolver", arguments={"id": "7"})))
    assert resolver.arguments == {"id": "7"} and resolver.field_name == "getPost"
    agent = dc.BedrockAgentEvent(wire(ev.build("bedrock.agent", parameters={"claimId": 20})))
    assert agent.parameters[0].value == "20"
    lattice = dc.VPCLatticeEventV2(wire(ev.build("vpclattice.v2", body=TRICKY, binary=True)))
    assert lattice.decoded_body == TRICKY
    transfer = dc.TransferFamilyAuthorizer(wire(ev.build("transfer.authorizer", username="u")))
    assert transfer.username == "u" and transfer.protocol == "SFTP"
