"""The trust options shared by every command that writes images (stylize, paint, curate)."""

from __future__ import annotations

import typer

VISIBLE_LABEL = typer.Option(False, "--visible-label", help="Draw the visible AI label "
                             "('AI生成 · AI-generated') in the bottom-right corner.")
NO_SIGN = typer.Option(False, "--no-sign", help="Do not add signed Content Credentials (C2PA), "
                       "even when keys exist ('painterly keys init').")
NO_WATERMARK = typer.Option(False, "--no-watermark", help="Do not embed the invisible watermark.")
CHECK_SUBJECT = typer.Option(False, "--check-subject", help="Warn when the result's subject is "
                             "not the photo's (an ImageNet classifier, needs painterly[torch]; "
                             "costs seconds per run); recorded in the provenance.")

ATTRIBUTE = typer.Option(False, "--attribute", help="Record the closest built-in style in the "
                         "provenance (style vectors: the closest in style among painterly's "
                         "built-ins, not proof of origin; the first call renders each built-in "
                         "once, about 2 s).")


def finish_config(visible_label: bool, no_sign: bool, no_watermark: bool,
                  check_subject: bool = False, attribute: bool = False):
    """The :class:`painterly.provenance.finish.FinishConfig` the flags ask for."""
    from painterly.provenance.finish import FinishConfig
    from painterly.provenance.label import LabelConfig

    return FinishConfig(watermark=not no_watermark, sign=not no_sign, drift=check_subject,
                        attribution=attribute,
                        visible_label=LabelConfig() if visible_label else None)
