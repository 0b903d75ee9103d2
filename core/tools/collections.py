"""Collections: list_collections, get_collection (read); create_collection, add_to_collection (write)."""

from __future__ import annotations

from core import operations
from core.tools.contracts import (
    AddToCollectionInput,
    AddToCollectionResult,
    CollectionList,
    CollectionPage,
    CreateCollectionInput,
    CreateCollectionResult,
    GetCollectionInput,
    ListCollectionsInput,
)
from core.tools.spec import ToolContext, ToolSpec, tool_kind


async def list_collections(args: ListCollectionsInput, ctx: ToolContext) -> CollectionList:
    page_request, bound = ctx.page_request(args.cursor, {})
    page = await ctx.backend.list_collections(ctx.principal.id, page_request)
    return CollectionList(items=page.items, next_cursor=ctx.next_cursor(page, bound), capped=False)


async def get_collection(args: GetCollectionInput, ctx: ToolContext) -> CollectionPage:
    page_request, bound = ctx.page_request(args.cursor, {"collection_id": args.collection_id})
    collection, page = await ctx.backend.get_collection(ctx.principal.id, args.collection_id, page_request)
    return CollectionPage(
        collection=collection, items=page.items, next_cursor=ctx.next_cursor(page, bound), capped=False
    )


async def create_collection(args: CreateCollectionInput, ctx: ToolContext) -> CreateCollectionResult:
    collection, created = await ctx.backend.create_collection(ctx.principal.id, args.name, args.description)
    return CreateCollectionResult(collection=collection, created=created)


async def add_to_collection(args: AddToCollectionInput, ctx: ToolContext) -> AddToCollectionResult:
    result = await operations.add_to_collection(ctx.backend, ctx.principal.id, args.collection_id, args.company_ids)
    return AddToCollectionResult(
        collection_id=result.collection_id, added=result.added, already_present=result.already_present, size=result.size
    )


LIST_COLLECTIONS = ToolSpec(
    kind=tool_kind("list_collections"),
    title="List my collections",
    description="List the caller's own collections of companies (id, name, description, size, created_at), paged.",
    input_model=ListCollectionsInput,
    output_model=CollectionList,
    handler=list_collections,
)

GET_COLLECTION = ToolSpec(
    kind=tool_kind("get_collection"),
    title="Get a collection",
    description="Get one of the caller's collections and a page of its companies, in the order they were added.",
    input_model=GetCollectionInput,
    output_model=CollectionPage,
    handler=get_collection,
)

CREATE_COLLECTION = ToolSpec(
    kind=tool_kind("create_collection"),
    title="Create a collection",
    description=(
        "Create a named collection of companies for the caller. Safe to retry: if the caller already has a "
        "collection with this name, it is returned with created=false. Writes may be disabled on this server."
    ),
    input_model=CreateCollectionInput,
    output_model=CreateCollectionResult,
    handler=create_collection,
)

ADD_TO_COLLECTION = ToolSpec(
    kind=tool_kind("add_to_collection"),
    title="Add companies to a collection",
    description=(
        "Add 1 to 100 companies to one of the caller's collections. Idempotent: companies already in it are "
        "reported in already_present and never duplicated. Writes may be disabled on this server."
    ),
    input_model=AddToCollectionInput,
    output_model=AddToCollectionResult,
    handler=add_to_collection,
)
