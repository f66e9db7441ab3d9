"""Accounts: log in, create accounts, self-register as an applicant, who am I."""
import falcon

from gateway import accounts, schemas
from gateway.access import require
from gateway.resources.base import Resource
from gateway.validation import read_json, validate


class TokenResource(Resource):
    def on_post(self, req, resp):
        body = validate(read_json(req), schemas.TOKEN)
        resp.media = self.deps.authenticator.login(body["username"], body["password"])


class AccountsResource(Resource):
    def on_post(self, req, resp):
        actor = require(req, "centre_admin", "department_admin")
        body = read_json(req)
        if actor["role"] == "department_admin":
            body.setdefault("department", actor.get("department"))
        validate(body, schemas.ACCOUNT, accounts.account_errors(body))
        accounts.check_may_create(actor, body)
        resp.media = accounts.create_account(self.deps.store, self.deps.settings, body)
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/accounts/{body['username']}"


class RegistrationResource(Resource):
    def on_post(self, req, resp):
        body = validate(read_json(req), schemas.REGISTRATION)
        resp.media = accounts.register_applicant(self.deps.store, self.deps.settings, body)
        resp.status = falcon.HTTP_201


class MeResource(Resource):
    def on_get(self, req, resp):
        actor = require(req)
        account = self.deps.store.get(actor["username"]) or {}
        resp.media = {**actor, "phone": account.get("phone"), "created_at": account.get("created_at")}
