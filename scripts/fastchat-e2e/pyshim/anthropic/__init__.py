"""Import stand-in (see ../README.md): FastChat's common.py imports anthropic but never calls it on this path."""
HUMAN_PROMPT = "\n\nHuman:"
AI_PROMPT = "\n\nAssistant:"
