"""Console /ai: the prompt optimiser (SSE `optimize_prompt` frames, the console appends
`data.optimize_prompt`) and suggested questions after an answer (a list of strings)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.handler.sse import sse_errors, sse_response, text_frames
from internal.handler.validation import document, validate
from internal.schema.chat_schema import OptimizePromptReq, SuggestedQuestionsReq
from internal.service.ai_service import AiService
from pkg.response import success_json


@inject
@dataclass
class AiHandler:
    ai_service: AiService

    @sse_errors
    @login_required
    @document(produces=("text/event-stream",))
    @validate(body=OptimizePromptReq)
    def optimize_prompt(self, req: OptimizePromptReq):
        """Rewrite a preset prompt, streamed."""
        deltas = self.ai_service.optimize_prompt(current_user.id, req.prompt)
        return sse_response(text_frames(deltas, "optimize_prompt", "optimize_prompt"))

    @login_required
    @validate(body=SuggestedQuestionsReq)
    def generate_suggested_questions(self, req: SuggestedQuestionsReq):
        """Three follow-up questions for one of the caller's answered messages."""
        return success_json(self.ai_service.suggested_questions(current_user.id, req.message_id))
