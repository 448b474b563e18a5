"""Console routes of the apps feature (docs/apps.md), chat included (docs/chat.md)."""
from __future__ import annotations

from flask import Blueprint

from internal.handler.app.analysis_handler import AnalysisHandler
from internal.handler.app.app_handler import AppHandler
from internal.handler.app.builtin_app_handler import BuiltinAppHandler
from internal.handler.app.chat_handler import ChatHandler
from internal.handler.app.conversation_handler import ConversationHandler
from internal.handler.app.web_app_handler import WebAppHandler


def register_app_routes(bp: Blueprint, apps: AppHandler, conversations: ConversationHandler,
                        web_apps: WebAppHandler, builtin_apps: BuiltinAppHandler, analysis: AnalysisHandler,
                        chat: ChatHandler) -> None:
    a = "/apps/<uuid:app_id>"
    post = {"methods": ["POST"]}
    bp.add_url_rule("/apps", view_func=apps.get_apps_with_page)
    bp.add_url_rule("/apps", **post, view_func=apps.create_app)
    bp.add_url_rule(a, view_func=apps.get_app)
    bp.add_url_rule(a, **post, view_func=apps.update_app)
    bp.add_url_rule(a + "/copy", **post, view_func=apps.copy_app)
    bp.add_url_rule(a + "/delete", **post, view_func=apps.delete_app)
    bp.add_url_rule(a + "/draft-app-config", view_func=apps.get_draft_app_config)
    bp.add_url_rule(a + "/draft-app-config", **post, view_func=apps.update_draft_app_config)
    bp.add_url_rule(a + "/publish", **post, view_func=apps.publish)
    bp.add_url_rule(a + "/cancel-publish", **post, view_func=apps.cancel_publish)
    bp.add_url_rule(a + "/publish-histories", view_func=apps.get_publish_histories_with_page)
    bp.add_url_rule(a + "/fallback-history", **post, view_func=apps.fallback_history_to_draft)
    bp.add_url_rule(a + "/published-config", view_func=apps.get_published_config)
    bp.add_url_rule(a + "/published-config/regenerate-web-app-token", **post, view_func=apps.regenerate_web_app_token)
    bp.add_url_rule(a + "/summary", view_func=apps.get_debug_conversation_summary)
    bp.add_url_rule(a + "/summary", **post, view_func=apps.update_debug_conversation_summary)
    bp.add_url_rule(a + "/conversations/messages", view_func=apps.get_debug_conversation_messages_with_page)
    bp.add_url_rule(a + "/conversations/delete-debug-conversation", **post, view_func=apps.delete_debug_conversation)
    bp.add_url_rule(a + "/conversations", **post, view_func=chat.debug_chat)
    bp.add_url_rule(a + "/conversations/tasks/<uuid:task_id>/stop", **post, view_func=chat.stop_debug_chat)

    c = "/conversations/<uuid:conversation_id>"
    bp.add_url_rule(c + "/messages", view_func=conversations.get_conversation_messages_with_page)
    bp.add_url_rule(c + "/name", view_func=conversations.get_conversation_name)
    bp.add_url_rule(c + "/name", **post, view_func=conversations.update_conversation_name)
    bp.add_url_rule(c + "/is-pinned", **post, view_func=conversations.update_conversation_is_pinned)
    bp.add_url_rule(c + "/delete", **post, view_func=conversations.delete_conversation)
    bp.add_url_rule(c + "/messages/<uuid:message_id>/delete", **post, view_func=conversations.delete_message)
    # the console's variant of the same call (reference notes §1.7)
    bp.add_url_rule(c + "/messages/<uuid:message_id>", **post, endpoint="delete_message_variant",
                    view_func=conversations.delete_message)

    bp.add_url_rule("/web-apps/<string:token>", view_func=web_apps.get_web_app)
    bp.add_url_rule("/web-apps/<string:token>/conversations", view_func=web_apps.get_conversations)
    bp.add_url_rule("/web-apps/<string:token>/chat", **post, view_func=chat.web_app_chat)
    bp.add_url_rule("/web-apps/<string:token>/chat/<uuid:task_id>/stop", **post, view_func=chat.stop_web_app_chat)

    bp.add_url_rule("/builtin-apps", view_func=builtin_apps.get_builtin_apps)
    bp.add_url_rule("/builtin-apps/categories", view_func=builtin_apps.get_builtin_app_categories)
    bp.add_url_rule("/builtin-apps/<string:builtin_app_id>/icon", view_func=builtin_apps.get_builtin_app_icon)
    bp.add_url_rule("/builtin-apps/add-builtin-app-to-space", **post, view_func=builtin_apps.add_builtin_app_to_space)

    bp.add_url_rule("/analysis/<uuid:app_id>", view_func=analysis.get_app_analysis)
