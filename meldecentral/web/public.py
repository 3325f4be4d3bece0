"""Public pages: the resident's report form, the receipt, the 112 answer, tracking, the
language switch, and the district of a point (for the forms' map)."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from config import ROOT
from meldecentral.domain.reference import normalise_reference
from meldecentral.i18n import page_languages
from meldecentral.pages import safe_next
from meldecentral.security import count_request
from meldecentral.services.errors import (
    ConfirmationNeeded,
    Conflict,
    EmergencyRedirected,
    ValidationFailed,
)
from meldecentral.services.reference import lookups
from meldecentral.services.reports import submit
from meldecentral.web import intake
from meldecentral.web import public_bp as bp
from meldecentral.web.common import actor, apply_errors, resident
from meldecentral.web.forms import ResidentReportForm, TrackForm
from meldecentral.web.intake import ALIASES, fill_choices

# Front-end packages installed by npm (package.json), served from node_modules. Only these
# folders are reachable.
VENDOR = {
    "leaflet": ROOT / "node_modules" / "leaflet" / "dist",
    "leaflet.markercluster": ROOT / "node_modules" / "leaflet.markercluster" / "dist",
    "chart.js": ROOT / "node_modules" / "chart.js" / "dist",
    # Drawing a hotspot's area (staff pages).
    "geoman": ROOT / "node_modules" / "@geoman-io" / "leaflet-geoman-free" / "dist",
}


@bp.get("/favicon.ico")
def favicon():
    """Browsers and tools that ask for /favicon.ico without reading the page's icon link."""
    return redirect(url_for("static", filename="img/favicon.svg"), 301)


@bp.get("/")
def home():
    return render_template("public/home.html", track_form=TrackForm(formdata=None))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in page_languages():  # the municipality's resident languages
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("public.home")))


@bp.route("/report", methods=["GET", "POST"])
def report_form():
    form = ResidentReportForm()
    who = resident()
    extra = fill_choices(form, who)
    if request.method == "POST":
        try:
            count_request("RATELIMIT_SUBMIT", "submit")  # the API's limits, on the same counters
        except TooManyRequests as exc:
            # What was typed stays on the page; the reporter is told when to try again.
            flash(_too_many(exc), "error")
            page = render_template("public/report_form.html", form=form, **extra)
            return page, 429, {"Retry-After": exc.retry_after}
    status = 200
    if request.method == "POST":
        status = 422
        data = intake.check(form, who, resident=True)
        if data is not None:
            try:
                submission = submit.submit_report(
                    who, data, idempotency_key=intake.idempotency_key(form)
                )
            except EmergencyRedirected:
                return render_template("public/emergency.html"), 200
            except ConfirmationNeeded as exc:
                # The same form, everything kept, with the 112 question above it.
                page = render_template(
                    "public/report_form.html", form=form, confirm_needed=exc, **extra
                )
                return page, 200
            except ValidationFailed as exc:
                apply_errors(form, intake.place_messages(exc.fields), ALIASES)
            except Conflict:
                status = 409
                intake.sent_already(form)
            else:
                # A replay (double tap, Back and Send) shows the first report's receipt.
                session["receipt"] = submission.report.reference
                return redirect(url_for("public.receipt"))
    return render_template("public/report_form.html", form=form, **extra), status


def _too_many(exc: TooManyRequests) -> str:
    minutes = max(1, -(-int(exc.retry_after or 60) // 60))
    return _(
        "Too many reports have been sent from this connection. Your text is kept: try again in "
        "%(minutes)s minutes. If it is urgent, call 112 (emergency) or 114 (police).",
        minutes=minutes,
    )


@bp.get("/report/receipt")
def receipt():
    """Shown once after a report: the reference is kept in the session, not in the address."""
    reference = session.get("receipt")
    if not reference:
        return redirect(url_for("public.report_form"))
    return render_template("public/receipt.html", reference=reference)


@bp.get("/emergency")
def emergency():
    return render_template("public/emergency.html")


@bp.get("/track")
def track_form():
    form = TrackForm(request.args)
    if request.args and form.validate():
        reference = normalise_reference(form.reference.data)
        if reference:
            return redirect(url_for("public.track", reference=reference))
        form.reference.errors = [_("That is not a reference. It looks like MC-ABCD-1234.")]
    status = 422 if request.args else 200
    return render_template("public/track_form.html", form=form), status


@bp.get("/place")
def place():
    """The district of a point, for the forms' "use my position"."""
    lat = request.args.get("lat", type=float)
    lon = request.args.get("lon", type=float)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return jsonify({"error": "lat and lon are required"}), 400
    found = lookups.district_name(actor().municipality_id, lat, lon)
    if found is None:
        return jsonify({"district": None, "message": _("Outside the municipality")})
    return jsonify({"district": found[0], "name": found[1]})


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    folder = VENDOR.get(package)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=7 * 24 * 3600)


@bp.app_context_processor
def _signed_in():
    return {"signed_in": current_user.is_authenticated}
