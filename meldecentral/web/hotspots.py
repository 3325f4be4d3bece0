"""Hotspot pages: the list, a new temporary hotspot drawn on a map (or made from a detection),
a hotspot's own page (its reports, needs, trend, chief, dates), and the scan's detections with
a map. Coordinators and admins see every hotspot of their municipality; a chief their own."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from meldecentral.domain import hotspots as rules
from meldecentral.domain import roles
from meldecentral.pages import ActionForm
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.hotspots import areas, page
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, apply_errors, roles_required
from meldecentral.web.forms import HotspotForm

MANAGERS = (roles.COORDINATOR, roles.ADMIN)
VIEWERS = (roles.COORDINATOR, roles.ADMIN, roles.UNIT_MEMBER)


@bp.get("/hotspots")
@roles_required(*VIEWERS)
def hotspots():
    return render_template("staff/hotspots.html", hotspots=areas.list_hotspots(actor()))


def _form_choices(form: HotspotForm, who) -> None:
    form.chief.choices = [
        (u.id, f"{u.name} ({u.unit.name if u.unit else _('Coordinator')})")
        for u in areas.chiefs(who)
    ]


@bp.route("/hotspots/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_hotspot():
    who = actor()
    form = HotspotForm()
    _form_choices(form, who)
    detection = None
    detection_id = request.args.get("detection", type=int) or (
        int(form.detection.data) if (form.detection.data or "").isdigit() else None
    )
    if detection_id is not None:
        detection = areas.get_detection(who, detection_id)  # 404 if not theirs
        form.detection.data = str(detection.id)
        if not form.area.data:
            form.area.data = json.dumps(rules.cells_geojson(detection.cells))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                area = json.loads(form.area.data)
            except ValueError:
                area = None
            try:
                hid = areas.create_hotspot(
                    who,
                    areas.NewHotspot(
                        name=form.name.data,
                        area=area,
                        starts_on=form.starts_on.data,
                        ends_on=form.ends_on.data,
                        chief_user_id=form.chief.data,
                        detection_id=detection.id if detection else None,
                    ),
                )
            except ValidationFailed as exc:
                apply_errors(form, exc.fields or {}, {"chief_user_id": "chief"})
            else:
                flash(_("The hotspot is set up; its chief has been told."), "ok")
                return redirect(url_for("staff.hotspot", hotspot_id=hid))
        status = 422
    return render_template("staff/hotspot_form.html", form=form, detection=detection), status


@bp.get("/hotspots/<int:hotspot_id>")
@roles_required(*VIEWERS)
def hotspot(hotspot_id: int):
    data = page.hotspot_page(actor(), hotspot_id)  # NotFound (404) if not theirs
    return render_template("staff/hotspot.html", page=data, area=data.hotspot.area)


@bp.get("/hotspots/detections")
@roles_required(*MANAGERS)
def detections():
    found = areas.detections(actor())
    shapes = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": d.id, "status": d.status},
                "geometry": rules.cells_geojson(d.cells),
            }
            for d in found
        ],
    }
    return render_template(
        "staff/detections.html",
        detections=found,
        shapes=json.dumps(shapes),
        form=ActionForm(),
        window_weeks=rules.WINDOW_WEEKS,
        baseline_weeks=rules.BASELINE_WEEKS,
    )


@bp.post("/hotspots/detections/<int:detection_id>/dismiss")
@roles_required(*MANAGERS)
def dismiss_detection(detection_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    areas.dismiss_detection(actor(), detection_id)
    flash(_("The detection is dismissed."), "ok")
    return redirect(url_for("staff.detections"))
