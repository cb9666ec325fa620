"""Import stand-in (see README.md): gen_model_answer.py uses shortuuid.random() for answer ids."""
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random(length=22):
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def uuid():
    return random()
