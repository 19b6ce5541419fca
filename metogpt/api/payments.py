"""/api/packages, /api/payments, /api/me/payments, /api/me/grant, /api/admin/packages and
/api/admin/payments: top-ups and grants. Thin: each route is a service call; permission
checks happen inside the services. The webhooks take no token: Stripe's are proven by
signature, YooKassa's by the provider's own API (and source address when configured)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from metogpt.api.deps import ActorDep, Caller, client_address
from metogpt.api.schemas import WHOLE, ErrorOut, GrantIO, Page, Strict, rows_named
from metogpt.models import Package, Payment, iso
from metogpt.services import grants, payments
from metogpt.services.billing import MAX_BALANCE
from metogpt.services.db import read_session, write_session
from metogpt.settings import settings

router = APIRouter(tags=["payments"], responses={502: {"model": ErrorOut}})

PackageId = Annotated[str, Path(max_length=32)]
PaymentId = Annotated[str, Path(max_length=32)]
Limit = Annotated[int, Query(ge=1, le=payments.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Status = Literal["pending", "succeeded", "canceled", "refunded", "failed"]
Currency = Annotated[StrictStr, Field(pattern="^[A-Za-z]{3}$")]
Name = Annotated[StrictStr, Field(min_length=1, max_length=100, pattern="^[^\\x00]*\\S[^\\x00]*$")]
Amount = Annotated[StrictInt, Field(ge=1, le=MAX_BALANCE), WHOLE]


class PackageOut(BaseModel):
    id: str
    name: str
    price: int  # in the currency's minor units (kopecks, cents)
    currency: str
    credits: int
    active: bool
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, p: Package) -> PackageOut:
        return cls(
            id=p.id,
            name=p.name,
            price=p.price,
            currency=p.currency,
            credits=p.credits,
            active=p.active,
            createdAt=iso(p.created_at) or "",
            updatedAt=iso(p.updated_at) or "",
        )


class PackagesOut(BaseModel):
    packages: list[PackageOut]


class PackageIn(Strict):
    name: Name
    price: Amount
    currency: Currency
    credits: Amount
    active: StrictBool = True


class PackageUpdateIn(Strict):
    name: Name | None = None
    price: Amount | None = None
    currency: Currency | None = None
    credits: Amount | None = None
    active: StrictBool | None = None


class PaymentOut(BaseModel):
    id: str
    userId: str
    packageId: str | None
    packageName: str
    provider: str
    providerPaymentId: str | None
    providerStatus: str | None
    amount: int
    currency: str
    credits: int
    status: Status
    credited: bool
    creditedAt: str | None
    refundedAmount: int
    reversedCredits: int
    problem: str | None
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, p: Payment) -> PaymentOut:
        return cls(
            id=p.id,
            userId=p.user_id,
            packageId=p.package_id,
            packageName=p.package_name,
            provider=p.provider,
            providerPaymentId=p.provider_payment_id,
            providerStatus=p.provider_status,
            amount=p.amount,
            currency=p.currency,
            credits=p.credits,
            status=p.status,  # type: ignore[arg-type]
            credited=p.credited_at is not None,
            creditedAt=iso(p.credited_at),
            refundedAmount=p.refunded_amount,
            reversedCredits=p.reversed_credits,
            problem=p.problem,
            createdAt=iso(p.created_at) or "",
            updatedAt=iso(p.updated_at) or "",
        )


class AdminPaymentOut(PaymentOut):
    userEmail: str


class PaymentsOut(BaseModel):
    payments: list[PaymentOut]


class AdminPaymentsOut(Page[AdminPaymentOut]):
    model_config = rows_named("payments")


class PaymentIn(Strict):
    package_id: StrictStr = Field(max_length=32)
    provider: Literal["yookassa", "stripe"] | None = None  # default: by currency


class PaymentStarted(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_id: str
    confirmation_url: str


class MyGrantOut(BaseModel):
    grant: GrantIO | None
    nextGrantAt: str | None


class WebhookOut(BaseModel):
    result: str


# ---- buyers ----------------------------------------------------------------------------


@router.get("/api/packages", response_model=PackagesOut)
def active_packages(_: Caller) -> PackagesOut:
    with read_session() as session:
        return PackagesOut(packages=[PackageOut.of(p) for p in payments.list_packages(session)])


@router.post("/api/payments", response_model=PaymentStarted, status_code=201)
def start_payment(body: PaymentIn, caller: Caller, request: Request) -> PaymentStarted:
    base = settings.public_url or str(request.base_url)
    payment = payments.start_payment(caller[0], body.package_id, body.provider, base)
    return PaymentStarted(payment_id=payment.id, confirmation_url=payment.confirmation_url or "")


@router.get("/api/me/payments", response_model=PaymentsOut)
def my_payments(caller: Caller, limit: Limit = 50, offset: Offset = 0) -> PaymentsOut:
    with read_session() as session:
        rows = payments.my_payments(session, caller[0].id, limit, offset)
        return PaymentsOut(payments=[PaymentOut.of(p) for p in rows])


@router.get("/api/me/grant", response_model=MyGrantOut)
def my_grant(caller: Caller) -> MyGrantOut:
    """The caller's periodic grant and when the next one is due (a due one is given first)."""
    with write_session() as session:
        grants.ensure(session, caller[0].id)
        role_grant = grants.user_policy(session, caller[0])
        next_at = grants.next_grant_at(session, caller[0])
    return MyGrantOut(
        grant=GrantIO(**role_grant.as_dict()) if role_grant else None, nextGrantAt=iso(next_at)
    )


# ---- the providers' webhooks -------------------------------------------------------------


@router.post("/api/payments/yookassa/webhook", response_model=WebhookOut)
async def yookassa_webhook(request: Request) -> WebhookOut:
    body = await request.body()
    source = client_address(request)
    return WebhookOut(result=await run_in_threadpool(payments.yookassa_webhook, body, source))


@router.post("/api/payments/stripe/webhook", response_model=WebhookOut)
async def stripe_webhook(request: Request) -> WebhookOut:
    body = await request.body()
    signature = request.headers.get("stripe-signature")
    return WebhookOut(result=await run_in_threadpool(payments.stripe_webhook, body, signature))


# ---- admin -------------------------------------------------------------------------------


@router.get("/api/admin/packages", response_model=PackagesOut, tags=["admin"])
def all_packages(actor: ActorDep) -> PackagesOut:
    with read_session() as session:
        rows = payments.list_packages(session, actor)
        return PackagesOut(packages=[PackageOut.of(p) for p in rows])


@router.post("/api/admin/packages", response_model=PackageOut, status_code=201, tags=["admin"])
def create_package(body: PackageIn, actor: ActorDep) -> PackageOut:
    with write_session() as session:
        return PackageOut.of(payments.create_package(session, actor, **body.model_dump()))


@router.put("/api/admin/packages/{packageId}", response_model=PackageOut, tags=["admin"])
def update_package(packageId: PackageId, body: PackageUpdateIn, actor: ActorDep) -> PackageOut:
    with write_session() as session:
        return PackageOut.of(
            payments.update_package(session, actor, packageId, **body.model_dump())
        )


@router.delete(
    "/api/admin/packages/{packageId}", status_code=204, response_class=Response, tags=["admin"]
)
def delete_package(packageId: PackageId, actor: ActorDep) -> Response:
    with write_session() as session:
        payments.delete_package(session, actor, packageId)
    return Response(status_code=204)


@router.get("/api/admin/payments", response_model=AdminPaymentsOut, tags=["admin"])
def all_payments(
    actor: ActorDep, status: Status | None = None, limit: Limit = 50, offset: Offset = 0
) -> AdminPaymentsOut:
    with read_session() as session:
        rows, total = payments.all_payments(session, actor, status, limit, offset)
        return AdminPaymentsOut(
            rows=[
                AdminPaymentOut(**PaymentOut.of(r.payment).model_dump(), userEmail=r.user_email)
                for r in rows
            ],
            total=total,
        )


@router.post("/api/admin/payments/{paymentId}/reconcile", response_model=PaymentOut, tags=["admin"])
def reconcile(paymentId: PaymentId, actor: ActorDep) -> PaymentOut:
    return PaymentOut.of(payments.reconcile(actor, paymentId))
