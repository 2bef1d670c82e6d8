"""User agents: the clients that make calls, and the aws-cli agent naming its command."""

from __future__ import annotations

import re

UA_CLI = (
    "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.11.8 "
    "md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off "
    "md/command#{cmd}"
)
UA_CLI_LINUX = (
    "aws-cli/2.13.25 Python/3.11.5 Linux/6.2.0-1016-aws exe/x86_64.ubuntu.22 prompt/off "
    "command/{cmd}"
)
UA_BOTO3 = (
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0-1055-aws md/arch#x86_64 "
    "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69"
)
UA_TERRAFORM = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) "
    "terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
    "aws-sdk-go-v2/1.25.3 os/macos lang/go#1.21.8 md/GOOS#darwin md/GOARCH#arm64 "
    "api/{svc}#1.30.0"
)
UA_BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36"
)
UA_GHA = (
    "aws-sdk-nodejs/3.515.0 linux/v20.11.1 configure-aws-credentials-for-github-actions "
    "exec-env/GitHub_Actions"
)
UA_SSM = "aws-sdk-go/1.44.302 (go1.20.10; linux; amd64) amazon-ssm-agent/3.3.40.0"
#: The attacker's tools.
UA_KALI_BOTO = (
    "Boto3/1.28.85 md/Botocore#1.31.85 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 "
    "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.85"
)
UA_KALI_CLI = (
    "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 "
    "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe "
    "md/distrib#kali.2024 md/prompt#off md/command#{cmd}"
)
UA_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"

#: eventSource host -> the service's prefix in IAM actions and aws-cli commands.
SERVICE_PREFIX = {
    "ec2": "ec2",
    "s3": "s3",
    "iam": "iam",
    "sts": "sts",
    "lambda": "lambda",
    "logs": "logs",
    "monitoring": "cloudwatch",
    "ssm": "ssm",
    "kms": "kms",
    "ecr": "ecr",
    "ecs": "ecs",
    "rds": "rds",
    "cloudtrail": "cloudtrail",
    "config": "config",
    "guardduty": "guardduty",
    "secretsmanager": "secretsmanager",
    "cloudformation": "cloudformation",
    "dynamodb": "dynamodb",
    "sns": "sns",
    "sqs": "sqs",
    "elasticloadbalancing": "elasticloadbalancing",
    "autoscaling": "autoscaling",
    "route53": "route53",
    "health": "health",
    "signin": "signin",
}


def cli_agent(source: str, name: str, template: str = UA_CLI) -> str:
    """Return an aws-cli user agent naming the command that made ``name``."""
    svc = SERVICE_PREFIX.get(source.split(".", 1)[0], source.split(".", 1)[0])
    cmd = re.sub(r"(?<!^)(?=[A-Z])", "-", name.rstrip("0123456789v")).lower()
    return template.format(cmd=f"{svc}.{cmd}")
