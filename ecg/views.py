"""The caller's ECGs. Admins are refused: their role manages accounts, never health data."""

import functools
import math

import numpy as np
from bson import ObjectId
from flask import Blueprint, Response, current_app, stream_with_context, url_for
from pymongo.client_session import ClientSession

from analysis.recording import RecordingAnalysis
from auth.guards import current_user, roles_required
from auth.users import USER
from ecg.schemas import (
    MAX_BEATS,
    MAX_RENDER_SAMPLES,
    MAX_SIGNAL_SLICE,
    MIN_RENDER_HZ,
    BeatRange,
    EcgBeats,
    EcgInsights,
    EcgMetadata,
    ExportQuery,
    LeadSignal,
    RenderQuery,
    SignalRange,
)
from ecg.uploads import EcgUpload, FileUploadForm, receive_files_on_disk
from formats import OversizedFile, UnreadableFile, UnsupportedFile, edf_export
from formats.edf_export import ExportLead
from openapi.models import Page, PageQuery
from openapi.operation import operation, validation_error
from plumbing.audit import audit
from plumbing.database import get_db
from plumbing.error_handlers import handle_api_error
from plumbing.errors import ApiError
from plumbing.rate_limits import RateLimits, too_many
from recordings.ingest import EmptyLead, ingest
from recordings.model import EcgSummary, Recording
from recordings.store import EcgExists, EcgGone, EcgStore, EcgTooLarge
from rendering.paper import LeadWindow, Sheet, draw
from rendering.pdf import to_pdf
from rendering.svg import to_svg

TAG = "ECGs"
bp = Blueprint("ecg", __name__, url_prefix="/api/v1")
receive_files_on_disk(bp)


def ecgs() -> EcgStore:
    return EcgStore(get_db(), max_samples=current_app.config["MAX_ECG_SAMPLES"])


def ecg_not_found(ecg_id: str) -> ApiError:
    return ApiError(404, "ecg_not_found", f"You have no ECG with id {ecg_id!r}.")


@bp.errorhandler(EcgGone)
def deleted_while_read(gone: EcgGone):
    """Deleted by its owner during this request: as absent as any unknown ECG."""
    return handle_api_error(ecg_not_found(gone.ecg_id))


def own_ecg(ecg_id: str) -> EcgSummary:
    """One of the caller's ECGs; another user's ECG is as absent as a missing one (404)."""
    summary = ecgs().find(current_user().id, ecg_id)
    if summary is None:
        raise ecg_not_found(ecg_id)
    return summary


def file_refused(problem: UnreadableFile | UnsupportedFile | OversizedFile) -> ApiError:
    """A damaged file is a 400, a file of no supported kind a 415, one too large to read a 413;
    the message says why."""
    if isinstance(problem, UnsupportedFile):
        return ApiError(415, "unsupported_file", str(problem))
    if isinstance(problem, OversizedFile):
        return ApiError(413, "file_too_large", str(problem))
    return ApiError(400, "unreadable_file", str(problem))


def counted_upload(view):
    """Throttle uploads per user (UPLOADS_PER_MINUTE; 0 turns the limit off), counted before
    the body is read, so a caller over the limit costs no parsing or spooling."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        limit = current_app.config["UPLOADS_PER_MINUTE"]
        if limit and RateLimits(get_db()).hit(f"uploads:{current_user().id}") > limit:
            raise too_many("uploads")
        return view(*args, **kwargs)

    return wrapper


def audited(key: ObjectId) -> str:
    """An ECG as the audit trail names it: by its storage key, which tells an administrator
    nothing of it (its id is the uploader's and may carry a patient's name or number)."""
    return str(key)


def audit_upload(summary: EcgSummary, transaction: ClientSession) -> None:
    audit(
        "ecg.uploaded",
        transaction=transaction,
        ecg=audited(summary.key),
        leads=len(summary.leads),
        samples=sum(lead.number_of_samples for lead in summary.leads),
    )


def store_recording(recording: Recording):
    """Ingest a recording for the caller, its audit entry in the same transaction; the 201
    response with its Location."""
    try:
        summary = ingest(ecgs(), current_user().id, recording, RecordingAnalysis, audit_upload)
    except UnreadableFile as unreadable:  # damage found only when the samples are read
        raise file_refused(unreadable) from None
    except EcgExists:
        raise ApiError(
            409, "ecg_exists", f"You already have an ECG with id {recording.id!r}."
        ) from None
    except EcgTooLarge:
        limit = current_app.config["MAX_ECG_SAMPLES"]
        raise ApiError(
            413, "ecg_too_large", f"The ECG has more than the {limit} samples accepted."
        ) from None
    except EmptyLead as empty:
        raise ApiError(400, "empty_lead", f"Lead {empty} has no samples.") from None
    return EcgMetadata.from_summary(summary), {"Location": url_for(".get_ecg", ecg_id=summary.id)}


@bp.post("/ecgs")
@roles_required(USER)
@counted_upload
@operation(
    tag=TAG,
    status=201,
    response=EcgMetadata,
    body=EcgUpload,
    form=FileUploadForm,
    errors=(400, 409, 413, 415, 429),
)
def upload_ecg(body: EcgUpload | None, form: FileUploadForm | None):
    """Upload an ECG as JSON or as files; its insights are computed now and stored with it.

    JSON bodies are capped by MAX_CONTENT_LENGTH (64 MiB), file uploads by MAX_FILE_UPLOAD_SIZE
    (2 GiB), DICOM files (read whole) at 256 MiB. An unreadable file is a 400, an unrecognised
    one a 415. More than UPLOADS_PER_MINUTE uploads a minute get 429 with Retry-After.
    """
    try:
        recording = body.to_recording() if body is not None else form.to_recording()
    except (UnreadableFile, UnsupportedFile, OversizedFile) as problem:
        raise file_refused(problem) from None
    return store_recording(recording)


@bp.get("/ecgs")
@roles_required(USER)
@operation(tag=TAG, response=Page[EcgMetadata], query=PageQuery, errors=(400,))
def list_ecgs(query: PageQuery):
    """List the caller's ECGs, newest first, a page at a time."""
    summaries, next_cursor = ecgs().page(current_user().id, query.limit, query.cursor)
    audit("ecg.read", view="list", ecgs=[audited(summary.key) for summary in summaries])
    items = [EcgMetadata.from_summary(summary) for summary in summaries]
    return Page[EcgMetadata](items=items, next_cursor=next_cursor)


@bp.get("/ecgs/<ecg_id>")
@roles_required(USER)
@operation(tag=TAG, response=EcgMetadata, errors=(404,))
def get_ecg(ecg_id: str):
    """Return an ECG's metadata: id, dates, sampling frequency and leads (without signals)."""
    summary = own_ecg(ecg_id)
    audit("ecg.read", ecg=audited(summary.key), view="metadata")
    return EcgMetadata.from_summary(summary)


@bp.get("/ecgs/<ecg_id>/insights")
@roles_required(USER)
@operation(tag=TAG, response=EcgInsights, errors=(404,))
def get_insights(ecg_id: str):
    """Return the insights computed at upload for each lead, in upload order."""
    summary = own_ecg(ecg_id)
    audit("ecg.read", ecg=audited(summary.key), view="insights")
    return EcgInsights.from_summary(summary)


@bp.get("/ecgs/<ecg_id>/leads/<path:lead_name>/signal")
@roles_required(USER)
@operation(tag=TAG, response=LeadSignal, query=SignalRange, errors=(400, 404))
def get_lead_signal(ecg_id: str, lead_name: str, query: SignalRange):
    """Return samples [start, stop) of one lead as stored integers.

    Only the chunks holding the slice are read. At most 100000 samples per request; stop
    defaults to that many past start, or the end of the lead.
    """
    ecg = own_ecg(ecg_id)
    lead_index = ecg.lead_index(lead_name)
    if lead_index is None:
        raise ApiError(404, "lead_not_found", f"ECG {ecg_id!r} has no lead {lead_name!r}.")
    length = ecg.leads[lead_index].number_of_samples
    stop = min(length, query.start + MAX_SIGNAL_SLICE) if query.stop is None else query.stop
    if not query.start < stop <= length:
        raise ApiError(
            400, "invalid_range", f"Need 0 <= start < stop <= {length} (the lead's length)."
        )
    if stop - query.start > MAX_SIGNAL_SLICE:
        raise ApiError(
            400, "range_too_large", f"Ask for at most {MAX_SIGNAL_SLICE} samples at a time."
        )
    samples = ecgs().read_samples(ecg, lead_index, query.start, stop)
    audit(
        "ecg.read",
        ecg=audited(ecg.key),
        view="signal",
        lead=lead_index,  # its position: a name is the uploader's words too
        start=query.start,
        stop=stop,
    )
    return LeadSignal(
        id=ecg.id, lead=lead_name, start=query.start, stop=stop, samples=samples.tolist()
    )


@bp.get("/ecgs/<ecg_id>/beats")
@roles_required(USER)
@operation(tag=TAG, response=EcgBeats, query=BeatRange, errors=(400, 404))
def get_beats(ecg_id: str, query: BeatRange):
    """Return the sample index of each detected heartbeat in [start, stop).

    Indices count from the start of the recording; at most 100000 beats per request.
    """
    ecg = own_ecg(ecg_id)
    length = max((lead.number_of_samples for lead in ecg.leads), default=0)
    stop = length if query.stop is None else query.stop
    if not query.start < stop <= length:
        raise ApiError(
            400, "invalid_range", f"Need 0 <= start < stop <= {length} (the recording's length)."
        )
    beats = ecgs().beats(ecg)
    first, last = np.searchsorted(beats, [query.start, stop])
    if last - first > MAX_BEATS:
        raise ApiError(
            400,
            "range_too_large",
            f"The range holds {last - first} beats; ask for at most {MAX_BEATS} at a time.",
        )
    audit("ecg.read", ecg=audited(ecg.key), view="beats", start=query.start, stop=stop)
    return EcgBeats(
        id=ecg.id,
        sampling_frequency=ecg.sampling_frequency,
        start=query.start,
        stop=stop,
        beats=beats[first:last].tolist(),
    )


@bp.get("/ecgs/<ecg_id>/render")
@roles_required(USER)
@operation(
    tag=TAG,
    query=RenderQuery,
    errors=(400, 404, 422),
    media_type="image/svg+xml,application/pdf",
)
def render_ecg(ecg_id: str, query: RenderQuery):
    """Draw a window of the ECG on standard ECG paper, as SVG or PDF.

    25 mm/s and 10 mm/mV unless asked otherwise, a 1 mm / 5 mm grid and a 1 mV calibration
    pulse per row; a standard 12-lead ECG is laid out 3 x 4 with a lead II rhythm strip. At
    most 60 s per image; only the chunks of the window are read.
    """
    ecg = own_ecg(ecg_id)
    if ecg.sampling_frequency is None or ecg.sampling_frequency < MIN_RENDER_HZ:
        raise ApiError(
            422,
            "not_renderable",
            f"Drawing on paper needs a sampling frequency of at least {MIN_RENDER_HZ:g} Hz.",
        )
    sheet = paper_sheet(ecg, query)
    audit(
        "ecg.read", ecg=audited(ecg.key), view="render", start_s=query.start_s, format=query.format
    )
    drawing = draw(sheet)
    if query.format == "pdf":
        return Response(to_pdf(drawing), mimetype="application/pdf")
    return Response(to_svg(drawing), mimetype="image/svg+xml")


def paper_sheet(ecg: EcgSummary, query: RenderQuery) -> Sheet:
    """The window's samples, beats and labels, read from storage."""
    if query.leads is None:
        wanted = [lead.name for lead in ecg.leads]
    else:
        wanted = [name.strip() for name in query.leads.split(",")]
        if "" in wanted:  # "?leads=" drew every lead, "?leads=," looked for a lead named ""
            message = "names leads separated by single commas, and no name is empty"
            raise validation_error([{"field": "leads", "message": message}])
    indices = []
    for name in dict.fromkeys(wanted):  # each lead once, in order
        index = ecg.lead_index(name)
        if index is None:
            raise ApiError(404, "lead_not_found", f"ECG {ecg.id!r} has no lead {name!r}.")
        indices.append(index)
    frequency = ecg.sampling_frequency
    if len(indices) * query.duration_s * frequency > MAX_RENDER_SAMPLES:
        raise ApiError(
            400,
            "window_too_large",
            f"One image reads at most {MAX_RENDER_SAMPLES} samples: ask for fewer leads or a "
            "shorter duration_s.",
        )
    length = max(ecg.leads[index].number_of_samples for index in indices)
    # Down, as a window starts at a sample: 9.9995 s of a 10-s, 500-Hz ECG rounded to its end.
    first = math.floor(round(query.start_s * frequency, 6))
    if first >= length:
        raise ApiError(
            400, "invalid_range", f"start_s is past the recording's end ({length / frequency:g} s)."
        )
    last = min(length, first + max(1, round(query.duration_s * frequency)))
    store = ecgs()
    windows = []
    for index in indices:
        lead = ecg.leads[index]
        stop = min(last, lead.number_of_samples)
        samples = store.read_samples(ecg, index, first, stop) if first < stop else np.zeros(0)
        quality = lead.insights.get("signal_quality") or {}
        windows.append(
            LeadWindow(lead.name, samples, lead.calibration, tuple(quality.get("problems", ())))
        )
    beats = store.beats(ecg)
    in_window = beats[(beats >= first) & (beats < last)] - first
    rhythm = ecg.insights.get("rhythm") or {}
    return Sheet(
        ecg_id=ecg.id,
        date=ecg.date.strftime("%Y-%m-%d %H:%M:%S UTC"),
        sampling_frequency=frequency,
        start_s=query.start_s,
        leads=windows,
        beats=in_window,
        heart_rate_bpm=(rhythm.get("heart_rate_bpm") or {}).get("mean"),
        speed=float(query.speed),
        gain=float(query.gain),
        layout=query.layout,
    )


@bp.get("/ecgs/<ecg_id>/export")
@roles_required(USER)
@operation(
    tag=TAG, query=ExportQuery, errors=(400, 404, 422), media_type="application/octet-stream"
)
def export_ecg(ecg_id: str, query: ExportQuery):
    """Stream the recording as an EDF+ file with its sampling frequency, lead names and units.

    Needs a sampling frequency and samples within 16 bits (EDF's range); leads are padded with
    zeros to whole data records. The start time is written in UTC.
    """
    ecg = own_ecg(ecg_id)
    store = ecgs()
    if ecg.sampling_frequency is None:
        raise not_exportable("the ECG has no sampling frequency, which EDF requires")
    if store.has_samples_beyond_int16(ecg):
        raise not_exportable("some samples exceed EDF's 16-bit range")
    leads = [
        ExportLead(
            lead.name, lead.calibration, lead.number_of_samples, store.lead_blocks(ecg, index)
        )
        for index, lead in enumerate(ecg.leads)
    ]
    try:
        layout = edf_export.plan(ecg.date, ecg.sampling_frequency, leads)
    except edf_export.NotExportable as reason:
        raise not_exportable(str(reason)) from None
    audit("ecg.exported", ecg=audited(ecg.key), format=query.format)
    return Response(
        stream_with_context(edf_export.stream(layout, leads)),
        mimetype="application/octet-stream",
        headers={
            "Content-Length": str(layout.size),
            "Content-Disposition": f'attachment; filename="{ecg.id}.edf"',
        },
    )


def not_exportable(reason: str) -> ApiError:
    return ApiError(422, "not_exportable", f"The ECG cannot be exported as EDF+: {reason}.")


@bp.delete("/ecgs/<ecg_id>")
@roles_required(USER)
@operation(tag=TAG, status=204, errors=(404,))
def delete_ecg(ecg_id: str):
    """Delete an ECG and all of its signal data."""

    def record(key: ObjectId, transaction: ClientSession) -> None:
        audit("ecg.deleted", transaction=transaction, ecg=audited(key))

    if not ecgs().delete(current_user().id, ecg_id, record):
        raise ecg_not_found(ecg_id)
