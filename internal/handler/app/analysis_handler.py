"""Console /analysis/<app_id>: the app's usage figures (docs/apps.md §analysis)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.service.app.analysis_service import AnalysisService
from pkg.response import success_json


@inject
@dataclass
class AnalysisHandler:
    analysis_service: AnalysisService

    @login_required
    def get_app_analysis(self, app_id: uuid.UUID):
        return success_json(self.analysis_service.get_app_analysis(current_user.id, app_id))
