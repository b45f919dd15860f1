"""Region, account, partition and ARN helpers, so every ARN in an event agrees with its region."""

from __future__ import annotations

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def arn(service: str, region: str, account: str, resource: str) -> str:
    """`arn:<partition>:<service>:<region>:<account>:<resource>`."""
    return f"arn:{partition(region)}:{service}:{region}:{account}:{resource}"


def global_arn(service: str, region: str, account: str, resource: str) -> str:
    """An ARN of a global service (IAM): no region field, partition still from the region."""
    return f"arn:{partition(region)}:{service}::{account}:{resource}"
