"""The SDL passes the AppSync and contract check; bad SDL snippets are rejected with a reason."""

from __future__ import annotations

import pytest

from companydata.api.appsync_check import check_sdl, main
from companydata.api.schema import build_schema, load_sdl


def test_the_real_sdl_passes() -> None:
    assert check_sdl(load_sdl()) == []
    assert main([]) == 0
    build_schema()  # and the reference server can execute it


def _with(extra: str, sdl: str | None = None) -> list[str]:
    return check_sdl((sdl or load_sdl()) + "\n" + extra)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("scalar Money", "scalar Money: AppSync does not support user-defined scalars"),
        ("scalar AWSDateTime", "scalar AWSDateTime: AppSync does not support user-defined scalars"),
        ("type Price { amount: Money }", "unknown type Money"),
        ("directive @cached(ttl: Int) on FIELD_DEFINITION", "directive @cached: AppSync does not support custom"),
        ("type Price { amount: Int @cached }", "directive @cached: not one AppSync knows"),
        ("type AWSPrice { amount: Int }", "type AWSPrice: the AWS prefix is reserved"),
        (
            "type Subscription { collection_created: Collection }",
            "Subscription.collection_created: a subscription needs @aws_subscribe",
        ),
        (
            'type Subscription { x: Collection @aws_subscribe(mutations: ["drop_collection"]) }',
            "names unknown mutation drop_collection",
        ),
        ("type Subscription { x: Collection @aws_subscribe(topic: 1) }", "must name at least one mutation"),
        ('type Subscription { x: Collection @aws_subscribe(mutations: ["create_collection"], topic: 1) }', "topic"),
        ("interface Named { name: String! }\ntype Tag implements Named { id: ID }", "not a valid schema"),
    ],
)
def test_appsync_refusals(snippet: str, expected: str) -> None:
    problems = _with(snippet)
    assert any(expected in problem for problem in problems), problems


def test_appsync_accepts_its_own_directives_interfaces_unions_and_subscriptions() -> None:
    fine = """
    interface Named { name: String! }
    type Tag implements Named { name: String! }
    union Found = Tag | Collection
    type Subscription {
      collection_created: CreateCollectionResult @aws_subscribe(mutations: ["create_collection"]) @aws_iam
    }
    type Audit @aws_iam @aws_cognito_user_pools(cognito_groups: ["admins"]) {
      at: AWSTimestamp
      by: AWSEmail @deprecated(reason: "use who")
      who: AWSJSON @aws_api_key @aws_oidc @aws_lambda
    }
    """
    assert _with(fine) == []


def test_unparseable_sdl() -> None:
    assert check_sdl("type Query {")[0].startswith("the SDL does not parse")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("  get_email_discovery(request_id: ID!): EmailDiscovery!\n", ""), "tool get_email_discovery: no Query"),
        (
            ("type Query {\n", "type Query {\n  delete_everything: Boolean\n"),
            "Query.delete_everything: not one of the nine tools",
        ),
        (
            ("  create_collection(name: String!, description: String): CreateCollectionResult!\n", ""),
            "tool create_collection: no Query or Mutation field",
        ),
        (("ai_search(prompt: String!, limit: Int)", "ai_search(prompt: String!)"), "Query.ai_search arguments"),
        (
            ("  founded_year: Int!\n}\n\ntype Company", "  founded_year: Int!\n  score: Float\n}\n\ntype Company"),
            "fields",
        ),
        (("  size: Int!\n  created_at", "  size: Int\n  created_at"), "Collection"),
        (
            (
                "  next_cursor: String\n  capped: Boolean!\n}\n\ntype Understood",
                "  capped: Boolean!\n}\n\ntype Understood",
            ),
            "CompanyPage",
        ),
    ],
)
def test_contract_mismatches(edit: tuple[str, str], expected: str) -> None:
    sdl = load_sdl()
    assert edit[0] in sdl, "the test's edit must apply to the SDL"
    problems = check_sdl(sdl.replace(edit[0], edit[1], 1))
    assert any(expected in problem for problem in problems), problems


def test_a_read_tool_on_mutation_is_refused() -> None:
    sdl = load_sdl().replace("  get_company(company_id: ID, domain: String): Company!\n", "", 1)
    sdl = sdl.replace("type Mutation {\n", "type Mutation {\n  get_company(company_id: ID, domain: String): Company!\n")
    assert any("read tool belongs on Query" in p for p in check_sdl(sdl))


def test_auth_directives_must_name_a_mode_the_api_offers() -> None:
    """A directive replaces the default mode where it stands: on an IAM-only API, @aws_api_key locks a field."""
    locked = load_sdl().replace(
        "list_collections(limit: Int, cursor: String): CollectionList!",
        "list_collections(limit: Int, cursor: String): CollectionList! @aws_api_key",
    )
    assert locked != load_sdl()
    assert check_sdl(locked) == []  # what the check said before it knew the API's modes
    assert check_sdl(locked, auth_modes=["AWS_IAM"]) == [
        "Query.list_collections: @aws_api_key grants API_KEY, which this API does not offer (AWS_IAM): "
        "no caller may use it there"
    ]
    assert check_sdl(locked, auth_modes=["AWS_IAM", "API_KEY"]) == []
    type_level = load_sdl().replace("type Collection {", "type Collection @aws_oidc {")
    assert check_sdl(type_level, auth_modes=["AWS_IAM"]) == [
        "Collection: @aws_oidc grants OPENID_CONNECT, which this API does not offer (AWS_IAM): "
        "no caller may use it there"
    ]
    assert check_sdl(load_sdl(), auth_modes=["AWS_IAM"]) == []
    assert check_sdl(load_sdl(), auth_modes=["IAM"]) == ["authorization mode IAM: not one AppSync offers"]
    assert main(["--auth-modes", "AWS_IAM"]) == 0
    assert main(["--auth-modes"]) == 2
