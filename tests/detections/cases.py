"""The hand-made records every modifier and condition test runs on, and the cases.

Each case is a rule (its ``detection:`` block) and the record numbers it must match, worked
out by reading the records below, not by running ctir.
"""

from __future__ import annotations

from typing import Any, Final

from tests.detections.helpers import rec

OTHER: Final = "999988887777"


def records() -> list[dict[str, Any]]:
    """Records 1-16 (eventID ``evt-0000000N``)."""
    alice = {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
             "accountId": "111122223333", "userName": "alice", "principalId": "AIDAALICE",
             "accessKeyId": "AKIAALICE"}  # fmt: skip
    return [
        rec(1),  # ListUsers by alice, aws-cli/2.15.0, 198.51.100.7, maxItems 100
        rec(2, eventName="CreateAccessKey", readOnly=False, userIdentity=alice,
            requestParameters={"userName": "bob"},
            responseElements={"accessKey": {"userName": "bob", "accessKeyId": "AKIABOB"}}),
        rec(3, eventName="CreateAccessKey", readOnly=False, userIdentity=alice,
            requestParameters={"userName": "alice"}),
        rec(4, eventSource="signin.amazonaws.com", eventName="ConsoleLogin",
            requestParameters=None, responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "No", "LoginTo": "https://console"}),
        rec(5, eventSource="signin.amazonaws.com", eventName="ConsoleLogin",
            requestParameters=None, responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "Yes"}),
        rec(6, eventSource="ec2.amazonaws.com", eventName="RunInstances", readOnly=False,
            requestParameters={"instanceType": "p3.2xlarge", "instancesSet": {"items": [
                {"imageId": "ami-1", "maxCount": 1}, {"imageId": "ami-2", "maxCount": 12}]}}),
        rec(7, eventSource="ec2.amazonaws.com", eventName="RunInstances", readOnly=False,
            requestParameters={"instanceType": "t3.micro",
                               "instancesSet": {"items": [{"imageId": "ami-1", "maxCount": 1}]}}),
        rec(8, eventSource="s3.amazonaws.com", eventName="GetObject", sourceIPAddress="10.1.2.3",
            userAgent="Mozilla/5.0 (X11; Linux x86_64)", errorCode="AccessDenied"),
        rec(9, eventSource="ec2.amazonaws.com", eventName="DescribeInstances",
            sourceIPAddress="2001:db8::5", userAgent="tool /enc run"),
        rec(10, eventSource="s3.amazonaws.com", eventName="PutBucketPolicy", readOnly=False,
            requestParameters={"bucketName": "b", "bucketPolicy": {"Statement": [
                {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}},
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}}]}}),
        rec(11, eventSource="guardduty.amazonaws.com", eventName="UpdateDetector",
            readOnly=False, requestParameters={"detectorId": "d1", "enable": False}),
        rec(12, eventSource="ec2.amazonaws.com", eventName="ModifySnapshotAttribute",
            readOnly=False, requestParameters={"snapshotId": "snap-1", "createVolumePermission":
                {"add": {"items": [{"userId": OTHER}]}}}),
        rec(13, eventSource="ec2.amazonaws.com", eventName="ModifySnapshotAttribute",
            readOnly=False, requestParameters={"snapshotId": "snap-1", "createVolumePermission":
                {"remove": {"items": [{"userId": OTHER}]}}}),
        rec(14, eventName="TagUser", readOnly=False, requestParameters={"userName": None}),
        rec(15, eventSource="ec2.amazonaws.com", eventName="ModifyInstanceAttribute",
            readOnly=False,
            requestParameters={"instanceId": "i-1", "userData": "IyEvYmluL2Jhc2g="}),
        rec(16, eventName="ListRoles", userAgent="aws-cli/1.9.0",
            sourceIPAddress="ec2.amazonaws.com", requestParameters={"path\u2028": "x"}),
    ]  # fmt: skip


ALL: Final = set(range(1, 17))
CREATE_KEY: Final = {2, 3}
#: name -> (detection block, records it matches)
CASES: Final[dict[str, tuple[str, set[int]]]] = {
    # plain values: case-insensitive equality, lists are OR
    "eq": ("sel:\n  eventName: createaccesskey\ncondition: sel", CREATE_KEY),
    "eq list": ("sel:\n  eventName: [GetObject, TagUser]\ncondition: sel", {8, 14}),
    "cased": ("sel:\n  eventName|cased: createaccesskey\ncondition: sel", set()),
    "cased hit": ("sel:\n  eventName|cased: CreateAccessKey\ncondition: sel", CREATE_KEY),
    "wildcard ?": ("sel:\n  eventName: Get?bject\ncondition: sel", {8}),
    "wildcard middle": ("sel:\n  eventName: Create*Key\ncondition: sel", CREATE_KEY),
    "escaped star": ("sel:\n  eventName: 'Create\\*Key'\ncondition: sel", set()),
    "contains": ("sel:\n  userAgent|contains: LINUX\ncondition: sel", {8}),
    "startswith": ("sel:\n  eventName|startswith: modify\ncondition: sel", {12, 13, 15}),
    "startswith is not contains": (
        "sel:\n  eventName|startswith: instances\ncondition: sel",
        set(),
    ),
    "endswith is not contains": ("sel:\n  eventName|endswith: Run\ncondition: sel", set()),
    "endswith": ("sel:\n  eventName|endswith: Instances\ncondition: sel", {6, 7, 9}),
    "all": ("sel:\n  userAgent|contains|all: [mozilla, x86_64]\ncondition: sel", {8}),
    "all, one missing": (
        "sel:\n  userAgent|contains|all: [mozilla, windows]\ncondition: sel",
        set(),
    ),
    "re": ("sel:\n  userAgent|re: '^aws-cli/2\\.\\d+'\ncondition: sel", ALL - {8, 9, 16}),
    "re is cased": ("sel:\n  userAgent|re: '^AWS-CLI'\ncondition: sel", set()),
    "re i": ("sel:\n  userAgent|re|i: '^AWS-CLI/1'\ncondition: sel", {16}),
    "re searches": ("sel:\n  userAgent|re: 'X11'\ncondition: sel", {8}),
    "cidr v4": ("sel:\n  sourceIPAddress|cidr: 10.0.0.0/8\ncondition: sel", {8}),
    "cidr v6": ("sel:\n  sourceIPAddress|cidr: '2001:db8::/32'\ncondition: sel", {9}),
    "cidr list": (
        "sel:\n  sourceIPAddress|cidr: [192.0.2.0/24, 198.51.100.0/24]\ncondition: sel",
        ALL - {8, 9, 16},
    ),
    "windash": ("sel:\n  userAgent|windash|contains: ' -enc'\ncondition: sel", {9}),
    "base64": ("sel:\n  requestParameters.userData|base64: '#!/bin/bash'\ncondition: sel", {15}),
    "base64offset": (
        "sel:\n  requestParameters.userData|base64offset|contains: '/bin/'\ncondition: sel",
        {15},
    ),
    "null": ("sel:\n  eventName: CreateAccessKey\n  responseElements: null\ncondition: sel", {3}),
    "null on a column": (
        "sel:\n  errorCode: null\n  eventSource: s3.amazonaws.com\ncondition: sel",
        {10},
    ),
    "empty is no value": ("sel:\n  errorCode: ''\n  eventName: GetObject\ncondition: sel", set()),
    "exists": (
        "sel:\n  requestParameters.createVolumePermission.add|exists: true\ncondition: sel",
        {12},
    ),
    "exists false": (
        "sel:\n  eventName: ModifySnapshotAttribute\n"
        "  requestParameters.createVolumePermission.add|exists: false\n"
        "condition: sel",
        {13},
    ),
    "exists with a null value": (
        "sel:\n  requestParameters.userName|exists: true\n  eventName: TagUser\ncondition: sel",
        {14},
    ),
    "exists on a column": ("sel:\n  errorCode|exists: true\ncondition: sel", {8}),
    "fieldref": (
        "sel:\n  userIdentity.userName|fieldref: requestParameters.userName\ncondition: sel",
        {3},
    ),
    "fieldref not": (
        "sel:\n  eventName: CreateAccessKey\nown:\n"
        "  userIdentity.userName|fieldref: requestParameters.userName\n"
        "condition: sel and not own",
        {2},
    ),
    "fieldref contains": (
        "sel:\n  userIdentity.arn|fieldref|contains: "
        "responseElements.accessKey.userName\ncondition: sel",
        set(),
    ),
    "fieldref columns": (
        "sel:\n  userIdentity.accountId|fieldref: recipientAccountId\n"
        "  eventName: GetObject\ncondition: sel",
        {8},
    ),
    "gte through an array": (
        "sel:\n  requestParameters.instancesSet.items.maxCount|gte: 10\ncondition: sel",
        {6},
    ),
    "lt": ("sel:\n  requestParameters.instancesSet.items.maxCount|lt: 2\ncondition: sel", {6, 7}),
    "gt none": ("sel:\n  requestParameters.maxItems|gt: 100\ncondition: sel", set()),
    "number": (
        "sel:\n  requestParameters.maxItems: 100\n  eventName: ListUsers\ncondition: sel",
        {1},
    ),
    "neq": (
        "sel:\n  eventName: CreateAccessKey\n  requestParameters.userName|neq: bob\ncondition: sel",
        {3},
    ),
    "bool": ("sel:\n  requestParameters.enable: false\ncondition: sel", {11}),
    "bool column": (
        "sel:\n  readOnly: false\n  eventSource: s3.amazonaws.com\ncondition: sel",
        {10},
    ),
    "path through list": (
        "sel:\n  requestParameters.bucketPolicy.Statement.Principal.AWS|"
        "contains: '999988887777'\ncondition: sel",
        {10},
    ),
    "whole root": ("sel:\n  requestParameters|contains: ':root'\ncondition: sel", {10}),
    "additional data": ("sel:\n  additionalEventData.MFAUsed: 'no'\ncondition: sel", {4}),
    "response": ("sel:\n  responseElements.ConsoleLogin: success\ncondition: sel", {4, 5}),
    # conditions
    "and": ("a:\n  eventSource: ec2.amazonaws.com\nb:\n  readOnly: true\ncondition: a and b", {9}),
    "or": ("a:\n  eventName: GetObject\nb:\n  eventName: TagUser\ncondition: a or b", {8, 14}),
    "not": (
        "a:\n  eventSource: iam.amazonaws.com\nb:\n  eventName: ListUsers\ncondition: a and not b",
        {2, 3, 14, 16},
    ),
    "1 of": (
        "sel_a:\n  eventName: GetObject\nsel_b:\n  eventName: TagUser\n"
        "other:\n  eventName: ListUsers\ncondition: 1 of sel_*",
        {8, 14},
    ),
    "all of": (
        "sel_a:\n  eventSource: ec2.amazonaws.com\nsel_b:\n  eventName|startswith: Run\n"
        "condition: all of sel_*",
        {6, 7},
    ),
    "1 of them": (
        "a:\n  eventName: GetObject\nb:\n  eventName: TagUser\ncondition: 1 of them",
        {8, 14},
    ),
    "all of them": (
        "a:\n  eventSource: ec2.amazonaws.com\nb:\n  eventName|endswith: Attribute\n"
        "condition: all of them",
        {12, 13, 15},
    ),
    "parentheses": (
        "a:\n  eventSource: ec2.amazonaws.com\nb:\n  eventName: RunInstances\n"
        "c:\n  requestParameters.instanceType|startswith: p3\n"
        "condition: a and not (b and not c)",
        {6, 9, 12, 13, 15},
    ),
    "not 1 of": (
        "sel:\n  eventSource: ec2.amazonaws.com\nf_a:\n  eventName: RunInstances\n"
        "f_b:\n  eventName: DescribeInstances\ncondition: sel and not 1 of f_*",
        {12, 13, 15},
    ),
    "list of maps": (
        "sel:\n  - eventName: GetObject\n  - userAgent|startswith: tool\ncondition: sel",
        {8, 9},
    ),
    "condition list": (
        "a:\n  eventName: GetObject\nb:\n  eventName: TagUser\ncondition:\n  - a\n  - b",
        {8, 14},
    ),
}
