"""DOMAIN.md's facts as literals, for tests: written by hand, never derived from ctir."""

from __future__ import annotations

# DOMAIN.md section 1, in order, with the two misspellings corrected.
SEED: list[tuple[str, list[str]]] = [
    ("Initial Access", ["ConsoleLogin", "PasswordRecoveryRequested"]),
    ("Execution", ["StartInstance", "StartInstances", "Invoke", "SendCommand"]),
    (
        "Persistence",
        [
            "CreateAccessKey",
            "CreateUser",
            "CreateNetworkAclEntry",
            "CreateRoute",
            "CreateLoginProfile",
            "AuthorizeSecurityGroupEgress",
            "AuthorizeSecurityGroupIngress",
            "CreateVirtualMFADevice",
            "CreateConnection",
            "ApplySecurityGroupsToLoadBalancer",
            "SetSecurityGroups",
            "AuthorizeDBSecurityGroupIngress",
            "CreateDBSecurityGroup",
            "ChangePassword",
        ],
    ),
    (
        "Privilege Escalation",
        [
            "CreateGroup",
            "CreateRole",
            "UpdateAccessKey",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "AddRoleToInstanceProfile",
            "AddUserToGroup",
        ],
    ),
    (
        "Defense Evasion",
        [
            "StopLogging",
            "DeleteTrail",
            "UpdateTrail",
            "PutEventSelectors",
            "DeleteFlowLogs",
            "DeleteDetector",
            "DeleteMembers",
            "DeleteSnapshot",
            "DeactivateMFADevice",
            "DeleteCertificate",
            "DeleteConfigRule",
            "DeleteAccessKey",
            "LeaveOrganization",
            "DisassociateFromMasterAccount",
            "DisassociateMembers",
            "StopMonitoringMembers",
        ],
    ),
    (
        "Credential Access",
        ["GetSecretValue", "GetPasswordData", "RequestCertificate", "UpdateAssumeRolePolicy"],
    ),
    (
        "Discovery",
        [
            "ListUsers",
            "ListRoles",
            "ListIdentities",
            "ListAccessKeys",
            "ListServiceQuotas",
            "ListInstanceProfiles",
            "ListBuckets",
            "ListGroups",
            "GetSendQuota",
            "GetCallerIdentity",
            "DescribeInstances",
            "GetBucketAcl",
            "GetBucketVersioning",
            "GetAccountAuthorizationDetails",
        ],
    ),
    ("Lateral Movement", ["AssumeRole", "SwitchRole"]),
    (
        "Exfiltration",
        [
            "CreateSnapshot",
            "ModifySnapshotAttribute",
            "ModifyImageAttribute",
            "SharedSnapshotCopyInitiated",
            "SharedSnapshotVolumeCreated",
            "ModifyDBSnapshotAttribute",
            "PutBucketPolicy",
            "PutBucketAcl",
        ],
    ),
    ("Impact", ["PutBucketVersioning", "RunInstances", "DeleteAccountPublicAccessBlock"]),
]


def seed_events(tactic: str) -> tuple[str, ...]:
    """The seed table's events under ``tactic``."""
    return tuple(dict(SEED)[tactic])
