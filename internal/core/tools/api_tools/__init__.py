"""API tools: an OpenAPI document (the console's dialect, OpenAPI 3.0/3.1, Swagger 2.0) parsed
into operation specs, each callable as one `Tool` (docs/tools.md, "API tools")."""
from .api_tool import ApiTool, CallLimits, HttpAnswer, OutboundHttp, decode_body
from .auth import AUTH_TYPES, ApiAuth
from .compiled import CompiledOperations
from .errors import OpenAPIDocumentError
from .parser import check_base_url, parse_openapi
from .request_builder import PreparedRequest, build_request
from .spec import ApiSpec, BodySpec, OperationSpec, ParamSpec, SecurityHint

__all__ = ["AUTH_TYPES", "ApiAuth", "ApiSpec", "ApiTool", "BodySpec", "CallLimits", "CompiledOperations", "HttpAnswer",
           "OpenAPIDocumentError", "OperationSpec", "OutboundHttp", "ParamSpec", "PreparedRequest",
           "SecurityHint", "build_request", "check_base_url", "decode_body", "parse_openapi"]
