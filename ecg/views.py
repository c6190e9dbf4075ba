"""The caller's ECGs. Admins are refused: their role manages accounts, never health data."""

from flask import url_for

from analysis import analyse_lead
from auth.guards import current_user, roles_required
from auth.users import USER
from db import get_db
from ecg import bp
from ecg.model import EcgSummary
from ecg.schemas import EcgInsights, EcgMetadata, EcgPage, EcgUpload
from ecg.store import EcgExists, EcgStore, EcgTooLarge
from errors import ApiError
from openapi.operation import operation
from pagination import PageQuery

TAG = "ECGs"


def ecgs() -> EcgStore:
    return EcgStore(get_db())


def ecg_not_found(ecg_id: str) -> ApiError:
    return ApiError(404, "ecg_not_found", f"You have no ECG with id {ecg_id!r}.")


def own_ecg(ecg_id: str) -> EcgSummary:
    """One of the caller's ECGs; another user's ECG is as absent as a missing one (404)."""
    summary = ecgs().find(current_user().id, ecg_id)
    if summary is None:
        raise ecg_not_found(ecg_id)
    return summary


@bp.post("/ecgs")
@roles_required(USER)
@operation(tag=TAG, status=201, response=EcgMetadata, body=EcgUpload, errors=(400, 409, 413, 415))
def upload_ecg(body: EcgUpload):
    """Upload an ECG; its insights are computed now and stored with it."""
    recording = body.to_recording()
    insights = [analyse_lead(lead.signal) for lead in recording.leads]
    try:
        summary = ecgs().insert(current_user().id, recording, insights)
    except EcgExists:
        raise ApiError(
            409, "ecg_exists", f"You already have an ECG with id {recording.id!r}."
        ) from None
    except EcgTooLarge:
        raise ApiError(
            413, "ecg_too_large", "The ECG is larger than one stored document can hold (16 MiB)."
        ) from None
    return EcgMetadata.from_summary(summary), {"Location": url_for(".get_ecg", ecg_id=summary.id)}


@bp.get("/ecgs")
@roles_required(USER)
@operation(tag=TAG, response=EcgPage, query=PageQuery, errors=(400,))
def list_ecgs(query: PageQuery):
    """List the caller's ECGs, newest first, a page at a time."""
    summaries, next_cursor = ecgs().page(current_user().id, query.limit, query.cursor)
    return EcgPage(items=[EcgMetadata.from_summary(s) for s in summaries], next_cursor=next_cursor)


@bp.get("/ecgs/<ecg_id>")
@roles_required(USER)
@operation(tag=TAG, response=EcgMetadata, errors=(404,))
def get_ecg(ecg_id: str):
    """Return an ECG's metadata: id, dates and leads (without signals)."""
    return EcgMetadata.from_summary(own_ecg(ecg_id))


@bp.get("/ecgs/<ecg_id>/insights")
@roles_required(USER)
@operation(tag=TAG, response=EcgInsights, errors=(404,))
def get_insights(ecg_id: str):
    """Return the insights computed at upload for each lead, in upload order."""
    return EcgInsights.from_summary(own_ecg(ecg_id))


@bp.delete("/ecgs/<ecg_id>")
@roles_required(USER)
@operation(tag=TAG, status=204, errors=(404,))
def delete_ecg(ecg_id: str):
    """Delete an ECG."""
    if not ecgs().delete(current_user().id, ecg_id):
        raise ecg_not_found(ecg_id)
