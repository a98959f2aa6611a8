"""The OCSF validator is not a rubber stamp: each rule of the OCSF server's validator (official 1.5.0
schema) fails a hand-broken copy of an event the project really emits, and passes the event itself."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from scanner.findings import ResultKey, to_ocsf
from scanner.findings.analysis import analyze_tar
from tests.findings.ocsf_validator import OcsfSchema, Validation, official_schema, validate
from tests.findings.tarbuilder import INSTANCE, build_tar, valid_files

KEY = ResultKey("20261126T120000-abc123", "111122223333", INSTANCE)


@pytest.fixture(scope="module")
def emitted() -> dict[str, Any]:
    """A real event: the first finding of a valid 67-item result, as the export maps it."""
    host = analyze_tar(build_tar(valid_files()), KEY)
    return to_ocsf(host.findings[0])


@pytest.fixture
def event(emitted: dict[str, Any]) -> dict[str, Any]:
    """A copy of the real event, to break."""
    return copy.deepcopy(emitted)


def errors(result: Validation) -> dict[str, set[str]]:
    """Kind → paths of the errors."""
    found: dict[str, set[str]] = {}
    for problem in result.errors:
        found.setdefault(problem.kind, set()).add(problem.path)
    return found


def warnings(result: Validation) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for problem in result.warnings:
        found.setdefault(problem.kind, set()).add(problem.path)
    return found


def with_constraints(schema: OcsfSchema, name: str, constraints: dict[str, list[str]]) -> OcsfSchema:
    """``schema`` with ``constraints`` on the object ``name``, or on the class when ``name`` is ``""``."""
    if not name:
        classes = {uid: {**item, "constraints": constraints} for uid, item in schema.classes.items()}
        return dataclasses.replace(schema, classes=classes)
    objects = {**schema.objects, name: {**schema.objects[name], "constraints": constraints}}
    return dataclasses.replace(schema, objects=objects)


def test_the_real_event_passes_with_no_error_and_no_warning(emitted: dict[str, Any]) -> None:
    result = validate(emitted)
    assert result.errors == []
    assert result.warnings == []


def test_the_schema_is_the_official_compiled_one_for_compliance_findings() -> None:
    schema = official_schema()
    assert schema.version == "1.5.0"
    assert schema.classes[2003]["name"] == "compliance_finding"
    assert len(schema.objects) > 150
    assert "cloud" in schema.profiles


def test_an_event_without_a_known_class_is_not_checked_further(event: dict[str, Any]) -> None:
    assert errors(validate({k: v for k, v in event.items() if k != "class_uid"})) == {
        "attribute_required_missing": {"class_uid"}
    }
    assert errors(validate(event | {"class_uid": "2003"})) == {"attribute_wrong_type": {"class_uid"}}
    assert errors(validate(event | {"class_uid": 2004})) == {"class_uid_unknown": {"class_uid"}}


def test_a_missing_or_null_required_attribute_is_an_error(event: dict[str, Any]) -> None:
    del event["finding_info"]
    event["metadata"]["product"] = None
    del event["compliance"]
    assert errors(validate(event)) == {
        "attribute_required_missing": {"finding_info", "metadata.product", "compliance"}
    }


def test_a_missing_recommended_attribute_warns_only_when_asked(event: dict[str, Any]) -> None:
    del event["status_detail"]
    assert validate(event).clean
    asked = validate(event, warn_on_missing_recommended=True)
    assert asked.errors == []
    assert "status_detail" in warnings(asked)["attribute_recommended_missing"]


def test_an_unknown_attribute_is_an_error_at_any_depth(event: dict[str, Any]) -> None:
    event["kisa_code"] = "U-01"
    event["compliance"]["checks"][0]["kisa_code"] = "U-01"
    event["resources"][0]["instance"] = INSTANCE
    assert errors(validate(event)) == {
        "attribute_unknown": {"kisa_code", "compliance.checks[0].kisa_code", "resources[0].instance"}
    }


def test_unmapped_takes_anything(event: dict[str, Any]) -> None:
    event["unmapped"]["anything"] = {"at": ["all", 1, None, {"x": True}]}
    assert validate(event).clean


def test_a_profiles_attribute_is_known_only_when_the_event_declares_the_profile(
    event: dict[str, Any],
) -> None:
    assert event["metadata"]["profiles"] == ["cloud"]
    event["actor"] = {"app_name": "cce-scan"}  # the host profile's
    assert errors(validate(event)) == {"attribute_unknown": {"actor"}}
    event["metadata"]["profiles"] = ["cloud", "host"]
    assert validate(event).clean

    del event["metadata"]["profiles"]  # and without the cloud profile, cloud is unknown
    assert errors(validate(event)) == {"attribute_unknown": {"actor", "cloud"}}


def test_a_profile_the_schema_does_not_define_is_an_error(event: dict[str, Any]) -> None:
    event["metadata"]["profiles"] = ["cloud", "kisa"]
    assert errors(validate(event)) == {"profile_unknown": {"metadata.profiles[1]"}}


def test_a_value_of_the_wrong_type_is_an_error(event: dict[str, Any]) -> None:
    event["time"] = str(event["time"])  # timestamp_t: a long
    event["message"] = 7  # string_t
    event["resources"] = event["resources"][0]  # an array
    event["compliance"]["standards"] = [event["compliance"]["standards"][0], 2]  # array of string_t
    event["device"] = "i-0123"  # an object
    event["status_id"] = 1.0  # integer_t: a float is not an integer
    event["severity_id"] = True  # a boolean is not an integer
    event["metadata"]["product"]["vendor_name"] = None  # optional: null is absent
    assert errors(validate(event)) == {
        "attribute_wrong_type": {
            "time",
            "message",
            "resources",
            "compliance.standards[1]",
            "device",
            "status_id",
            "severity_id",
        },
        "attribute_enum_value_unknown": {"status_id", "severity_id"},  # "1.0", "true": not in the enums
    }


def test_an_integer_out_of_its_range_is_an_error(event: dict[str, Any]) -> None:
    event["count"] = 2**63  # integer_t is 64-bit
    event["duration"] = 2**127  # long_t is 128-bit
    event["evidences"] = [{"dst_endpoint": {"ip": "10.0.0.1", "port": 70000}}]  # port_t 0 to 65535
    assert errors(validate(event)) == {
        "attribute_wrong_type": {"count", "duration"},
        "attribute_value_exceeds_range": {"evidences[0].dst_endpoint.port"},
    }
    event["count"], event["duration"] = 2**63 - 1, 2**127 - 1
    event["evidences"][0]["dst_endpoint"]["port"] = 65535
    assert validate(event).clean


def test_a_derived_string_type_checks_its_length_as_an_error_and_its_regex_as_a_warning(
    event: dict[str, Any],
) -> None:
    event["device"]["ip"] = "not an address"
    event["evidences"] = [{"dst_endpoint": {"ip": "1" * 41}}]  # ip_t: at most 40
    result = validate(event)
    assert errors(result) == {"attribute_value_exceeds_max_len": {"evidences[0].dst_endpoint.ip"}}
    assert warnings(result) == {
        "attribute_value_regex_not_matched": {"device.ip", "evidences[0].dst_endpoint.ip"}
    }


def test_a_value_outside_its_enum_is_an_error(event: dict[str, Any]) -> None:
    event["severity_id"] = 7
    event["compliance"]["checks"][0]["status_id"] = 4
    event["cloud"]["account"]["type_id"] = 42
    assert errors(validate(event)) == {
        "attribute_enum_value_unknown": {
            "severity_id",
            "compliance.checks[0].status_id",
            "cloud.account.type_id",
        }
    }


def test_a_sibling_caption_other_than_the_enums_is_a_warning(event: dict[str, Any]) -> None:
    """As on the server: a warning for a single enum ("matching is recommended but not required")."""
    assert event["compliance"]["checks"][0]["severity"] == "High"
    event["compliance"]["checks"][0]["severity"] = "high"
    event["status"] = "Open"
    result = validate(event)
    assert result.errors == []
    assert warnings(result) == {
        "attribute_enum_sibling_incorrect": {"compliance.checks[0].severity", "status"}
    }


def test_other_may_not_be_captioned_other(event: dict[str, Any]) -> None:
    """99 (Other) carries the source's own word; "Other" itself is suspicious (a warning)."""
    event["compliance"] |= {"status_id": 99, "status": "Not Applicable"}
    assert validate(event).clean
    event["compliance"]["status"] = "Other"
    assert warnings(validate(event)) == {"attribute_enum_sibling_suspicious_other": {"compliance.status"}}


def test_an_array_enums_sibling_must_match_and_is_an_error(event: dict[str, Any]) -> None:
    url = {
        "url_string": "http://example.com/",
        "category_ids": [1, 99],
        "categories": ["Adult/Mature Content"],
    }
    event["evidences"] = [{"url": url}]
    assert validate(event).clean  # 99 (Other) may have any caption, or none
    url["categories"] = ["Adult"]
    assert errors(validate(event)) == {
        "attribute_enum_array_sibling_incorrect": {"evidences[0].url.categories[0]"}
    }
    url["categories"] = []
    assert errors(validate(event)) == {
        "attribute_enum_array_sibling_missing": {"evidences[0].url.categories[0]"}
    }
    url["category_ids"] = [1, 1000]
    assert "attribute_enum_array_value_unknown" in errors(validate(event))


def test_type_uid_must_be_class_uid_times_100_plus_activity_id(event: dict[str, Any]) -> None:
    event["type_uid"] = 200302  # an Update's, on a Create
    result = validate(event)
    assert errors(result) == {"type_uid_incorrect": {"type_uid"}}
    assert warnings(result) == {"attribute_enum_sibling_incorrect": {"type_name"}}  # "...: Create"
    event |= {"activity_id": 2, "activity_name": "Update", "type_name": "Compliance Finding: Update"}
    assert validate(event).clean


def test_an_objects_at_least_one_constraint_is_an_error_when_none_is_there(event: dict[str, Any]) -> None:
    """device: at least one of ip, uid, name, hostname, …; resource_details: of name, uid."""
    for name in ("uid", "instance_uid", "hostname", "region"):
        event["device"].pop(name, None)
    event["resources"][0] = {"type": "AWS::EC2::Instance"}
    assert errors(validate(event)) == {"constraint_failed": {"device", "resources[0]"}}


def test_a_just_one_constraint_is_an_error_with_none_or_two(event: dict[str, Any]) -> None:
    """No object of a Compliance Finding has one (vulnerability's is the nearest), so the rule is
    shown on a copy of the schema that gives one to ``check``, and to the class."""
    check = event["compliance"]["checks"][0]
    schema = with_constraints(official_schema(), "check", {"just_one": ["desc", "name"]})
    assert validate(event, schema).clean
    check["desc"] = "two"
    assert errors(validate(event, schema)) == {"constraint_failed": {"compliance.checks[0]"}}
    del check["desc"], check["name"]
    assert errors(validate(event, schema)) == {"constraint_failed": {"compliance.checks[0]"}}

    on_class = with_constraints(official_schema(), "", {"just_one": ["device", "resource"]})
    assert validate(event, on_class).errors == []
    del event["device"]
    assert errors(validate(event, on_class)) == {"constraint_failed": {""}}


def test_a_class_at_least_one_constraint(event: dict[str, Any]) -> None:
    schema = with_constraints(official_schema(), "", {"at_least_one": ["remediation", "evidences"]})
    assert errors(validate(event, schema)) == {"constraint_failed": {""}}
    event["remediation"] = {"desc": "Set PermitRootLogin no"}
    assert validate(event, schema).clean


def test_a_deprecated_attribute_is_a_warning(event: dict[str, Any]) -> None:
    event["resource"] = event["resources"][0]  # since 1.3.0: resources
    event["compliance"]["status_detail"] = "reason"  # since 1.4.0: status_details
    result = validate(event)
    assert result.errors == []
    assert warnings(result) == {"attribute_deprecated": {"resource", "compliance.status_detail"}}


def test_the_version_must_be_the_schemas(event: dict[str, Any]) -> None:
    event["metadata"]["version"] = "1.4.0"
    assert warnings(validate(event)) == {"version_incorrect": {"metadata.version"}}
    event["metadata"]["version"] = "1.6.0"
    assert errors(validate(event)) == {"version_incompatible": {"metadata.version"}}
    event["metadata"]["version"] = "v1.5"
    assert errors(validate(event)) == {"version_invalid_format": {"metadata.version"}}


def test_an_observable_must_name_an_attribute_of_the_class(event: dict[str, Any]) -> None:
    event["observables"] = [
        {"name": "device.hostname", "type_id": 1, "value": "ip-10-0-0-12"},
        {"name": "device.nickname", "type_id": 1, "value": "x"},
    ]
    assert errors(validate(event)) == {"observable_name_invalid_reference": {"observables[1].name"}}
