"""Accounts: signup, login, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from todo.api.deps import CurrentUserId, RuntimeDep, SettingsDep, UowDep
from todo.api.problems import CONFLICT, NOT_FOUND, THROTTLED, UNAUTHORIZED
from todo.api.schemas import LoginIn, SignupIn, TokenOut, UserOut
from todo.auth import tokens
from todo.domain.accounts import Account
from todo.domain.errors import BadCredentials, TaskNotFound
from todo.usecases import accounts

router = APIRouter(prefix="/api", tags=["auth"])


def _token(settings: SettingsDep, user: Account) -> TokenOut:
    return TokenOut(
        access_token=tokens.issue(settings, user.id),
        user=UserOut.model_validate(user, from_attributes=True),
    )


@router.post(
    "/auth/signup",
    status_code=status.HTTP_201_CREATED,
    responses={**CONFLICT},
)
async def signup(body: SignupIn, uow: UowDep, settings: SettingsDep) -> TokenOut:
    user = await accounts.signup(uow, str(body.email), body.password, body.name)
    return _token(settings, user)


@router.post("/auth/login", responses={**UNAUTHORIZED, **THROTTLED})
async def login(
    body: LoginIn, request: Request, uow: UowDep, runtime: RuntimeDep, settings: SettingsDep
) -> TokenOut:
    client = request.client.host if request.client else "unknown"
    await runtime.login_throttle.check(body.email, client)
    try:
        user = await accounts.login(uow, body.email, body.password)
    except BadCredentials:
        await runtime.login_throttle.failed(body.email)
        raise
    return _token(settings, user)


@router.get("/me", responses={**UNAUTHORIZED, **NOT_FOUND})
async def me(user_id: CurrentUserId, uow: UowDep) -> UserOut:
    user = await accounts.get_account(uow, user_id)
    if user is None:
        raise TaskNotFound("this account no longer exists")
    return UserOut.model_validate(user, from_attributes=True)
