from .exception import (
    ConflictException,
    CustomException,
    FailException,
    ForbiddenException,
    InternalServerErrorException,
    MethodNotAllowedException,
    NotFoundException,
    PayloadTooLargeException,
    ServiceUnavailableException,
    TooManyRequestsException,
    UnauthorizedException,
    UpstreamException,
    ValidateErrorException,
)

__all__ = [
    "ConflictException", "CustomException", "FailException", "ForbiddenException",
    "InternalServerErrorException", "MethodNotAllowedException", "NotFoundException",
    "PayloadTooLargeException", "ServiceUnavailableException", "TooManyRequestsException",
    "UnauthorizedException", "UpstreamException", "ValidateErrorException",
]
