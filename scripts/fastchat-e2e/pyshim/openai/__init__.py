"""Import stand-in (see ../README.md): FastChat's common.py imports openai but its judge path never calls it."""


class _Namespace:
    pass


error = _Namespace()


class OpenAIError(Exception):
    pass


class InvalidRequestError(OpenAIError):
    pass


error.OpenAIError = OpenAIError
error.InvalidRequestError = InvalidRequestError
api_key = None
api_base = None
api_type = None
api_version = None
