"""Which powertools parser model checks which catalog type, with the parameter variants to try.

Test-only: aws-lambda-powertools is never imported by lambda_nb itself. Every catalog type is
either here (MODELS) or in NO_MODEL with the reason, so a new type cannot go unchecked silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.parser import models as m
from pydantic import BaseModel

Variant = dict[str, Any]
Fix = Callable[[dict[str, Any]], dict[str, Any]]


def _without_v2_scopes(event: dict[str, Any]) -> dict[str, Any]:
    """powertools' V2 model types request.scopes as a dict; Cognito sends a list of strings
    (the AWS docs, aws-lambda-go's fixture and powertools' own data class and fixture agree),
    so the model checks everything else."""
    request = {k: v for k, v in event["request"].items() if k != "scopes"}
    return {**event, "request": request}


HTTP_VARIANTS: list[Variant] = [
    {},
    {"method": "POST", "body": '{"a": "b \\" c"}'},
    {"method": "PUT", "body": "bin\x00ary", "binary": True},
    {"query": {"a": ["1", "2"], "b": "x y"}, "headers": {"X-Multi": ["1", "2"]}},
    {"query": "a=1&a=2&c=%20", "path": "/", "body": ""},
]

# name -> (model, parameter variants, optional fix-up applied before validation)
MODELS: dict[str, tuple[type[BaseModel], list[Variant], Fix | None]] = {
    "apigateway.rest": (
        m.APIGatewayProxyEventModel,
        [
            *HTTP_VARIANTS,
            {"resource": "/items/{id}", "path": "/items/7", "stage_variables": {"v": "1"}},
            {"authorizer": {"claims": {"sub": "u1"}, "scopes": None}},
            {"source_ip": "2001:db8::1"},
        ],
        None,
    ),
    "apigateway.http": (
        m.APIGatewayProxyEventV2Model,
        [
            *HTTP_VARIANTS,
            {"route_key": "GET /items/{id}", "path": "/items/7"},
            {"auth": "jwt"},
            {"auth": "lambda", "claims": {"user": "u1"}},
            {"auth": "iam"},
            {"headers": {"Cookie": "a=1; b=2"}, "cookies": ["c=3"]},
        ],
        None,
    ),
    "functionurl.request": (
        m.LambdaFunctionUrlModel,
        [*HTTP_VARIANTS, {"auth_type": "AWS_IAM"}],
        None,
    ),
    "alb.request": (m.AlbModel, HTTP_VARIANTS, None),
    "apigateway.authorizer_token": (m.ApiGatewayAuthorizerToken, [{}, {"token": "Bearer x"}], None),
    "apigateway.authorizer_request": (
        m.ApiGatewayAuthorizerRequest,
        [{}, {"headers": {"authorization": "mine"}, "query": {"q": "1"}}],
        None,
    ),
    "apigateway.authorizer_http": (
        m.ApiGatewayAuthorizerRequestV2,
        [{}, {"route_key": "$default", "path": "/x"}],
        None,
    ),
    "websocket.connect": (m.APIGatewayWebSocketConnectEventModel, [{}, {"query": "t=1"}], None),
    "websocket.disconnect": (
        m.APIGatewayWebSocketDisconnectEventModel,
        [{}, {"status_code": 1006, "reason": "gone"}],
        None,
    ),
    "websocket.message": (
        m.APIGatewayWebSocketMessageEventModel,
        [{}, {"body": "x", "binary": True}, {"body": ""}],
        None,
    ),
    "sqs.receive": (
        m.SqsModel,
        [{}, {"count": 10, "attributes": {"a": "x", "n": 2.5}}, {"bodies": [{"a": 1}, "b"]}],
        None,
    ),
    "sqs.fifo": (m.SqsModel, [{}, {"count": 10}], None),
    "s3.put": (m.S3Model, [{}, {"key": "a b+c/ä?.txt", "version_id": "v1"}], None),
    "s3.post": (m.S3Model, [{}], None),
    "s3.copy": (m.S3Model, [{}], None),
    "s3.multipart": (m.S3Model, [{}, {"parts": 2}], None),
    "s3.delete": (m.S3Model, [{}, {"version_id": "v1"}], None),
    "s3.delete_marker": (m.S3Model, [{}], None),
    "s3.restore": (m.S3Model, [{}], None),
    "sns.notification": (
        m.SnsModel,
        [{}, {"subject": "s", "message": {"a": [1]}, "attributes": {"a": "x", "n": 1, "l": ["x"]}}],
        None,
    ),
    "eventbridge.custom": (m.EventBridgeModel, [{}, {"resources": ["arn:aws:s3:::b"]}], None),
    "eventbridge.scheduled": (m.EventBridgeModel, [{}], None),
    "eventbridge.scheduler": (m.EventBridgeModel, [{}], None),
    "dynamodb.insert": (
        m.DynamoDBStreamModel,
        [
            {},
            {"count": 5},
            {"view_type": "KEYS_ONLY"},
            {"item": {"pk": "a", "sk": 1}, "keys": ["pk", "sk"]},
        ],
        None,
    ),
    "dynamodb.modify": (m.DynamoDBStreamModel, [{}, {"view_type": "OLD_IMAGE"}], None),
    "dynamodb.remove": (m.DynamoDBStreamModel, [{}, {"ttl": True}], None),
    "dynamodb.update": (m.DynamoDBStreamModel, [{}, {"view_type": "NEW_IMAGE"}], None),
    "kinesis.records": (
        m.KinesisDataStreamModel,
        [{}, {"count": 5}, {"records": ["a", {"b": 1}]}],
        None,
    ),
    "firehose.transform": (m.KinesisFirehoseModel, [{}, {"count": 3, "source_stream": "s"}], None),
    "cloudwatch.logs": (
        m.CloudWatchLogsModel,
        [{}, {"messages": ["a", [1700000000000, "b"]]}, {"message_type": "CONTROL_MESSAGE"}],
        None,
    ),
    "kafka.msk": (
        m.KafkaMskEventModel,
        [{}, {"count": 3, "headers": {"h": "v"}, "key": None}],
        None,
    ),
    "kafka.self_managed": (m.KafkaSelfManagedEventModel, [{}, {"values": ["a", "b"]}], None),
    "cloudformation.create": (m.CloudFormationCustomResourceCreateModel, [{}], None),
    "cloudformation.update": (m.CloudFormationCustomResourceUpdateModel, [{}], None),
    "cloudformation.delete": (m.CloudFormationCustomResourceDeleteModel, [{}], None),
    "ses.receive": (m.SesModel, [{}, {"verdict": "FAIL", "recipients": ["a@b.c", "d@e.f"]}], None),
    "cognito.pre_signup": (
        m.CognitoPreSignupTriggerModel,
        [{}, {"client_metadata": {"a": "b"}}],
        None,
    ),
    "cognito.post_confirmation": (m.CognitoPostConfirmationTriggerModel, [{}], None),
    "cognito.pre_authentication": (m.CognitoPreAuthenticationTriggerModel, [{}], None),
    "cognito.post_authentication": (m.CognitoPostAuthenticationTriggerModel, [{}], None),
    "cognito.pre_token_generation": (
        m.CognitoPreTokenGenerationTriggerModelV1,
        [{}, {"groups": ["admins"]}],
        None,
    ),
    "cognito.pre_token_generation_v2": (
        m.CognitoPreTokenGenerationTriggerModelV2AndV3,
        [{}],
        _without_v2_scopes,
    ),
    "cognito.custom_message": (
        m.CognitoCustomMessageTriggerModel,
        [{}, {"trigger_source": "CustomMessage_AdminCreateUser"}],
        None,
    ),
    "cognito.define_auth_challenge": (m.CognitoDefineAuthChallengeTriggerModel, [{}], None),
    "cognito.create_auth_challenge": (m.CognitoCreateAuthChallengeTriggerModel, [{}], None),
    "cognito.verify_auth_challenge": (m.CognitoVerifyAuthChallengeTriggerModel, [{}], None),
    "cognito.user_migration": (m.CognitoMigrateUserTriggerModel, [{}], None),
    "cognito.custom_email_sender": (m.CognitoCustomEmailSenderTriggerModel, [{}], None),
    "cognito.custom_sms_sender": (m.CognitoCustomSMSSenderTriggerModel, [{}], None),
    # tier 3 sources that powertools models too
    "s3.batch": (m.S3BatchOperationModel, [{}, {"schema_version": "1.0"}], None),
    "s3.object_lambda": (m.S3ObjectLambdaEvent, [{}], None),
    "s3.eventbridge": (
        m.S3EventNotificationEventBridgeModel,
        [{}, {"detail_type": "Object Deleted"}, {"detail_type": "Object Restore Completed"}],
        None,
    ),
    "appsync.resolver": (m.AppSyncResolverEventModel, [{}], None),
    "bedrock.agent": (m.BedrockAgentEventModel, [{}, {"body": {"a": 1, "b": True}}], None),
    "bedrock.function": (m.BedrockAgentFunctionEventModel, [{}], None),
    "vpclattice.v1": (m.VpcLatticeModel, HTTP_VARIANTS, None),
    "vpclattice.v2": (m.VpcLatticeV2Model, HTTP_VARIANTS, None),
    "transfer.authorizer": (m.TransferFamilyAuthorizer, [{}, {"password": None}], None),
}

NO_MODEL: dict[str, str] = {
    "alb.multi_value": "AlbModel requires the single-value keys; ALB sends either set, never "
    "both (spec 4.3), so multi-value mode is checked with the ALBEvent data class",
    "cloudwatch.alarm": "data class only (CloudWatchAlarmEvent)",
    "secretsmanager.rotation": "data class only (SecretsManagerEvent)",
    "mq.activemq": "data class only (ActiveMQEvent)",
    "mq.rabbitmq": "data class only (RabbitMQEvent)",
    "config.change": "data class only (AWSConfigRuleEvent)",
    "config.periodic": "data class only (AWSConfigRuleEvent)",
    "codepipeline.job": "data class only (CodePipelineJobEvent)",
    "connect.contact_flow": "data class only (ConnectContactFlowEvent)",
    "codedeploy.hook": "data class only (CodeDeployLifecycleHookEvent)",
    "cloudfront.request": "no powertools model or data class (Lambda@Edge)",
    "cloudfront.response": "no powertools model or data class (Lambda@Edge)",
    "lex.v2": "no powertools model or data class",
    "codecommit.push": "no powertools model or data class",
    "alexa.intent": "no powertools model or data class",
    "iot.rule": "the payload is the rule's SQL output: nothing to check it against",
    "stepfunctions.task": "the state input is user-defined JSON: nothing to check it against",
}
