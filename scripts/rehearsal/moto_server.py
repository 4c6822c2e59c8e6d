"""moto's server, plus the CloudWatch Logs calls moto 5.2 lacks and the stack uses.

The stack saves one Logs Insights query per kind of alarm (the runbook's queries). moto 5.2 implements
none of PutQueryDefinition, DescribeQueryDefinitions and DeleteQueryDefinition, so without them the
rehearsal would have to leave the saved queries out. They are added here as AWS documents them (same
fields, ResourceNotFoundException for an unknown id, name-prefix filter, pagination) and kept per account
and region like moto's own state. Run with the .venv's Python: `python moto_server.py -H 127.0.0.1 -p N`.
"""

import json
import sys
import time
import uuid

from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.responses import LogsResponse
from moto.server import main

# (account, region) -> query definition id -> the definition as DescribeQueryDefinitions returns it
_DEFINITIONS: dict[tuple[str, str], dict[str, dict]] = {}


def _definitions(response: LogsResponse) -> dict[str, dict]:
    return _DEFINITIONS.setdefault((response.current_account, response.region), {})


def put_query_definition(self: LogsResponse) -> str:
    definitions = _definitions(self)
    definition_id = self._get_param("queryDefinitionId")
    if definition_id and definition_id not in definitions:
        raise ResourceNotFoundException(f"Query definition {definition_id} does not exist")
    definition_id = definition_id or str(uuid.uuid4())
    definitions[definition_id] = {
        "queryDefinitionId": definition_id,
        "name": self._get_param("name"),
        "queryString": self._get_param("queryString"),
        "logGroupNames": self._get_param("logGroupNames") or [],
        "lastModified": int(time.time() * 1000),
    }
    return json.dumps({"queryDefinitionId": definition_id})


def describe_query_definitions(self: LogsResponse) -> str:
    prefix = self._get_param("queryDefinitionNamePrefix") or ""
    matching = sorted(
        (definition for definition in _definitions(self).values() if definition["name"].startswith(prefix)),
        key=lambda definition: definition["name"],
    )
    start = int(self._get_param("nextToken") or 0)
    size = int(self._get_param("maxResults") or 1000)
    page = {"queryDefinitions": matching[start : start + size]}
    if start + size < len(matching):
        page["nextToken"] = str(start + size)
    return json.dumps(page)


def delete_query_definition(self: LogsResponse) -> str:
    definition_id = self._get_param("queryDefinitionId")
    if _definitions(self).pop(definition_id, None) is None:
        raise ResourceNotFoundException(f"Query definition {definition_id} does not exist")
    return json.dumps({"success": True})


LogsResponse.put_query_definition = put_query_definition
LogsResponse.describe_query_definitions = describe_query_definitions
LogsResponse.delete_query_definition = delete_query_definition

if __name__ == "__main__":
    sys.exit(main())
