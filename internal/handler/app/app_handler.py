"""Console /apps: CRUD and copy, the draft configuration, publishing and history, the web-app
token, and the debug conversation's messages and summary (debug chat itself: the chat runtime)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.handler.validation import validate
from internal.schema.app_schema import (
    AppListItemResp,
    AppResp,
    CreateAppReq,
    CursorPageReq,
    DraftAppConfigReq,
    FallbackHistoryToDraftReq,
    GetAppsWithPageReq,
    GetPublishHistoriesReq,
    MessageResp,
    PublishHistoryResp,
    UpdateAppReq,
    UpdateSummaryReq,
)
from internal.schema.auth_schema import unix_seconds
from internal.service.app.app_config_service import AppConfigService
from internal.service.app.app_publish_service import AppPublishService
from internal.service.app.app_service import AppService
from internal.service.app.conversation_console_service import MessagePage
from internal.service.app.debug_conversation_service import DebugConversationService
from pkg.paginator import page_data
from pkg.response import success_json, success_message

from .serializers import dump_app, dump_app_list_item, dump_message


def messages_page(page: MessagePage) -> dict:
    return page_data(page.rows, page.paginator, lambda m: dump_message(m, page.thoughts[m.id]))


@inject
@dataclass
class AppHandler:
    app_service: AppService
    app_config_service: AppConfigService
    app_publish_service: AppPublishService
    debug_conversation_service: DebugConversationService

    # -- apps --------------------------------------------------------------------------------
    @login_required
    @validate(query=GetAppsWithPageReq, response=AppListItemResp)
    def get_apps_with_page(self, query: GetAppsWithPageReq):
        """The caller's apps, newest first (search_word matches the name)."""
        rows, paginator, configs = self.app_service.get_apps_with_page(current_user.id, query)
        return success_json(page_data(rows, paginator, lambda a: dump_app_list_item(a, configs[a.id])))

    @login_required
    @validate(body=CreateAppReq)
    def create_app(self, req: CreateAppReq):
        app = self.app_service.create_app(current_user.id, req.name, req.icon, req.description)
        return success_json({"id": str(app.id)})

    @login_required
    @validate(response=AppResp)
    def get_app(self, app_id: uuid.UUID):
        return success_json(dump_app(*self.app_service.get_app_with_draft(current_user.id, app_id)))

    @login_required
    @validate(body=UpdateAppReq)
    def update_app(self, app_id: uuid.UUID, req: UpdateAppReq):
        self.app_service.update_app(current_user.id, app_id, req.name, req.icon, req.description)
        return success_message("app updated")

    @login_required
    def copy_app(self, app_id: uuid.UUID):
        """A new draft app with this app's draft configuration."""
        app = self.app_service.copy_app(current_user.id, app_id)
        return success_json({"id": str(app.id)})

    @login_required
    def delete_app(self, app_id: uuid.UUID):
        self.app_service.delete_app(current_user.id, app_id)
        return success_message("app deleted")

    # -- draft configuration -----------------------------------------------------------------
    @login_required
    def get_draft_app_config(self, app_id: uuid.UUID):
        """The draft with tools, datasets and workflows expanded for the console."""
        return success_json(self.app_config_service.get_draft_app_config(current_user.id, app_id))

    @login_required
    @validate(body=DraftAppConfigReq)
    def update_draft_app_config(self, app_id: uuid.UUID, req: DraftAppConfigReq):
        """Partial update; the merged draft is validated whole, nothing is written on error."""
        self.app_config_service.update_draft_app_config(
            current_user.id, app_id, req.model_dump(exclude_unset=True, by_alias=True))
        return success_message("draft configuration updated")

    # -- publishing --------------------------------------------------------------------------
    @login_required
    def publish(self, app_id: uuid.UUID):
        """The draft becomes a new published version."""
        self.app_publish_service.publish(current_user.id, app_id)
        return success_message("app published")

    @login_required
    def cancel_publish(self, app_id: uuid.UUID):
        self.app_publish_service.cancel_publish(current_user.id, app_id)
        return success_message("app unpublished")

    @login_required
    @validate(query=GetPublishHistoriesReq, response=PublishHistoryResp)
    def get_publish_histories_with_page(self, app_id: uuid.UUID, query: GetPublishHistoriesReq):
        rows, paginator = self.app_publish_service.get_publish_histories_with_page(current_user.id, app_id, query)
        return success_json(page_data(rows, paginator, lambda v: {
            "id": str(v.id), "version": v.version, "created_at": unix_seconds(v.created_at)}))

    @login_required
    @validate(body=FallbackHistoryToDraftReq)
    def fallback_history_to_draft(self, app_id: uuid.UUID, req: FallbackHistoryToDraftReq):
        """Copy a published version back into the draft."""
        self.app_publish_service.fallback_history_to_draft(current_user.id, app_id, req.app_config_version_id)
        return success_message("draft restored from the publish history")

    @login_required
    def get_published_config(self, app_id: uuid.UUID):
        app = self.app_publish_service.get_published_config(current_user.id, app_id)
        return success_json({"web_app": {"token": app.token or "", "status": app.status}})

    @login_required
    def regenerate_web_app_token(self, app_id: uuid.UUID):
        return success_json({"token": self.app_publish_service.regenerate_web_app_token(current_user.id, app_id)})

    # -- debug conversation ------------------------------------------------------------------
    @login_required
    @validate(query=CursorPageReq, response=MessageResp)
    def get_debug_conversation_messages_with_page(self, app_id: uuid.UUID, query: CursorPageReq):
        return success_json(messages_page(self.debug_conversation_service.get_messages_with_page(
            current_user.id, app_id, query, query.created_at)))

    @login_required
    def delete_debug_conversation(self, app_id: uuid.UUID):
        self.debug_conversation_service.delete_debug_conversation(current_user.id, app_id)
        return success_message("debug conversation cleared")

    @login_required
    def get_debug_conversation_summary(self, app_id: uuid.UUID):
        return success_json({"summary": self.debug_conversation_service.get_summary(current_user.id, app_id)})

    @login_required
    @validate(body=UpdateSummaryReq)
    def update_debug_conversation_summary(self, app_id: uuid.UUID, req: UpdateSummaryReq):
        self.debug_conversation_service.update_summary(current_user.id, app_id, req.summary)
        return success_message("summary updated")
