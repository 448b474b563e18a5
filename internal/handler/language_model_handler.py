"""Console routes of the model layer: catalog, icons (public), per-account credentials, usage."""
from __future__ import annotations

from dataclasses import dataclass

from flask import send_file
from flask_login import current_user, login_required
from injector import inject

from internal.schema.language_model_schema import (
    GetUsageReq,
    ProviderCredentialResp,
    SetProviderCredentialReq,
    TestProviderCredentialReq,
    UsageRowResp,
)
from internal.service.language_model_service import LanguageModelService
from pkg.response import success_json, success_message

from .validation import document, validate


@inject
@dataclass
class LanguageModelHandler:
    language_model_service: LanguageModelService

    @login_required
    def get_language_models(self):
        """Every provider with its models (features, context window, parameters, pricing)."""
        return success_json(self.language_model_service.get_language_models())

    @login_required
    def get_language_model(self, provider_name: str, model_name: str):
        """One model of a provider."""
        return success_json(self.language_model_service.get_language_model(provider_name, model_name))

    @document(produces=("image/svg+xml", "image/png"))
    def get_language_model_icon(self, provider_name: str):
        """The provider's icon (public: the console loads it with <img>)."""
        path, mimetype = self.language_model_service.get_language_model_icon(provider_name)
        return send_file(path, mimetype=mimetype, max_age=86400)

    @login_required
    @validate(response=list[ProviderCredentialResp])
    def get_provider_credentials(self):
        """The account's provider credentials, secrets masked."""
        return success_json(self.language_model_service.list_credentials(current_user.id))

    @login_required
    @validate(body=SetProviderCredentialReq, response=ProviderCredentialResp)
    def set_provider_credential(self, provider_name: str, req: SetProviderCredentialReq):
        """Store (encrypted) the account's credentials for a provider; the response is masked."""
        return success_json(self.language_model_service.set_credential(current_user.id, provider_name, req.config))

    @login_required
    @validate(body=TestProviderCredentialReq)
    def test_provider_credential(self, provider_name: str, req: TestProviderCredentialReq):
        """Make a 1-token call with the given (or stored) credentials."""
        return success_json(self.language_model_service.test_credential(current_user.id, provider_name, req.config,
                                                                        req.model))

    @login_required
    def delete_provider_credential(self, provider_name: str):
        """Remove the account's credentials for a provider."""
        self.language_model_service.delete_credential(current_user.id, provider_name)
        return success_message("credentials removed")

    @login_required
    @validate(query=GetUsageReq, response=list[UsageRowResp])
    def get_usage(self, query: GetUsageReq):
        """Model usage of the account aggregated per API key and/or day (or model)."""
        return success_json(self.language_model_service.usage_summary(
            current_user.id, query.start_date, query.end_date, query.group_by, query.api_key_id))
