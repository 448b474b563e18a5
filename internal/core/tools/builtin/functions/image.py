"""Image generation through our model gateway (`/v1/images/generations` semantics, in process:
routing, per-account provider credentials and usage records apply). Models that answer base64
only (gpt-image-1) have their images stored as the account's upload files by the source, which
hands back signed URLs."""
from __future__ import annotations

from typing import Any

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool


@builtin_tool("dalle", "dalle3")
def generate_image(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    if ctx.images is None:
        raise ToolError("image generation is not available here")
    images = ctx.images(args["prompt"], model=ctx.params.get("model") or ctx.settings.image_model,
                        size=ctx.params.get("size") or "1024x1024", n=1)
    urls = [i["url"] for i in images if i.get("url")]
    if not urls:
        raise ToolError("the image model returned no image")
    revised = next((i.get("revised_prompt") for i in images if i.get("revised_prompt")), None)
    return {"images": urls, **({"revised_prompt": revised} if revised else {})}
