"""Schemathesis hooks for scripts/schemathesis.sh: the rules of this API that JSON Schema cannot
state, applied to the cases schemathesis means to be valid (positive cases) and to nothing else.

With them, "schema-valid request rejected" (the positive_data_acceptance check) reports a real
disagreement between the OpenAPI document and the server. Each change keeps the case valid
against the schema; negative cases are never touched, so every schema violation schemathesis
generates still reaches the server and must be refused.

* times: `closes_at` and `expires_at` must lie in the future, and `closes_at` after `opens_at`
  (the clock, and a rule across two fields);
* `service_types` must differ once trimmed and ignoring the case of ASCII letters (`uniqueItems`
  compares exact values);
* an operator key's `unit_id`, and `ipak`/`ipkp` on a unit's hasil, must name existing records
  (test data: the unit and campaigns the script creates, passed in ST_UNIT_ID, ST_IPAK_ID,
  ST_IPKP_ID);
* an evaluation record's `ipak_campaign_id`/`ipkp_campaign_id` must name an ended campaign of the
  unit (a record is signed on final figures; the script's campaigns are open): positive cases
  leave them out;
* a printable sheet of slips (`?format=html`) holds at most 1,000 tokens (a rule across the query
  and the body). Positive sheets are cut to 50 slips here, a test budget and not a rule: the debug
  build CI runs renders about 40 QR slips a second, so a 1,000-slip sheet takes ~25 s (the bound
  itself is tested in tests/api/campaigns.rs);
* a survey answer follows the form behind its code and carries the render token of a recent GET of
  that code (the schema cannot know which form a code opens): a positive submission to a code that
  opens a survey gets the GET's token, an in-range answer for every item, the required screening
  answers and no demographics, as a citizen's app would send.
"""

import copy
import os
from datetime import datetime, timedelta, timezone

import requests
import schemathesis

BASE = os.environ["ST_BASE"]
UNIT = os.environ["ST_UNIT_ID"]
CAMPAIGNS = {"ipak": os.environ["ST_IPAK_ID"], "ipkp": os.environ["ST_IPKP_ID"]}
# Far enough ahead that the request reaches the server before the time passes.
MARGIN = timedelta(hours=1)
# The server takes up to 1,000 slips on a sheet; see the module doc for why this run asks for fewer.
SHEET_SLIPS = 50


def _time(value):
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else None


def _rfc3339(t):
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _future_times(body):
    """`closes_at`/`expires_at` in the future, `closes_at` after `opens_at`."""
    now = datetime.now(timezone.utc)
    expires = _time(body.get("expires_at"))
    if expires is not None and expires <= now + MARGIN:
        body["expires_at"] = _rfc3339(now + timedelta(days=30))
    opens, closes = _time(body.get("opens_at")), _time(body.get("closes_at"))
    if closes is not None and (closes <= now + MARGIN or (opens is not None and closes <= opens)):
        closes = now + timedelta(days=30)
        body["closes_at"] = _rfc3339(closes)
        if opens is not None and opens >= closes:
            body["opens_at"] = _rfc3339(now)


def _fold(text):
    """What the server compares service types by: trimmed, ASCII letters in one case."""
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in text.strip())


def _distinct_service_types(body):
    types = body.get("service_types")
    if isinstance(types, list) and all(isinstance(t, str) for t in types):
        seen, kept = set(), []
        for t in types:
            if _fold(t) not in seen:
                seen.add(_fold(t))
                kept.append(t)
        body["service_types"] = kept


def _answerable(case):
    """Makes a positive submission one the survey behind its code takes, when the code opens one."""
    code = case.path_parameters.get("code")
    survey = requests.get(f"{BASE}/api/v1/respond/{code}", timeout=10)
    if survey.status_code != 200:
        return  # unknown code (404) or a survey not taking answers (410): the server says so
    form = survey.json()["form"]
    given = case.body.get("answers") if isinstance(case.body.get("answers"), dict) else {}
    top = form["scale"]["max"]

    def in_range(v):
        return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= top

    case.body["answers"] = {i["id"]: given[i["id"]] if in_range(given.get(i["id"])) else 1 for i in form["items"]}
    case.body["screening"] = {q["id"]: q["options"][0]["value"] for q in form["screening"] if q["required"]}
    case.body["demographics"] = {}
    case.body["render_token"] = survey.json()["render_token"]


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    # Cases share containers (a coverage run derives many cases from one body): change copies only.
    if isinstance(case.body, dict):
        case.body = copy.deepcopy(case.body)
    if isinstance(case.query, dict):
        case.query = dict(case.query)
    path, body = case.operation.path, case.body
    if isinstance(body, dict):
        _future_times(body)
        _distinct_service_types(body)
        if path == "/api/v1/keys" and body.get("role") == "operator":
            body["unit_id"] = UNIT
        query = case.query or {}
        if path == "/api/v1/campaigns/{id}/tokens" and query.get("format") == "html":
            if isinstance(body.get("count"), (int, float)) and body["count"] > SHEET_SLIPS:
                body["count"] = SHEET_SLIPS
    if path == "/api/v1/units/{id}/evaluations/{year}" and isinstance(body, dict):
        body.pop("ipak_campaign_id", None)
        body.pop("ipkp_campaign_id", None)
    if path == "/api/v1/respond/{code}" and case.method.upper() == "POST" and isinstance(body, dict):
        _answerable(case)
    if path == "/api/v1/units/{id}/hasil" and case.query:
        for form, campaign in CAMPAIGNS.items():
            if form in case.query:
                if case.path_parameters.get("id") == UNIT:
                    case.query[form] = campaign
                else:
                    del case.query[form]
    return case
