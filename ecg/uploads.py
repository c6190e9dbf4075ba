"""Uploads, in one place: the JSON body and the multipart files, each turned into the domain's
``Recording`` in one call, and how file parts are received (spooled to named temporary files,
under their own size limit).
"""

import functools
import re
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, ClassVar

import msgspec
import numpy as np
from flask import Blueprint, Request, request
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ecg.schemas import CalibrationModel
from ecg.typed_json import (
    INT32,
    SplitBody,
    int32_array,
    occurrences,
    present_fields,
    raw_fields,
    split_whole_body,
    validate_fields,
)
from formats import BLOCK_SAMPLES, UploadedFile, read_recording
from openapi.models import StrictModel, stated_rule
from openapi.operation import validation_error
from plumbing.errors import ApiError
from plumbing.timestamps import in_utc
from recordings.model import (
    LEAD_NAME_PATTERN,
    MAX_LEAD_NAME_LENGTH,
    MAX_LEADS,
    MAX_SAMPLING_FREQUENCY,
    Calibration,
    LeadInput,
    Recording,
    lead_name_problem,
    name_key,
)

# More than a 64 MiB body can carry ("1," per sample); longer recordings come as files.
MAX_JSON_SIGNAL_SAMPLES = 1 << 25
ECG_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
FILE_PART = "file"

Sample = Annotated[int, Field(strict=True, ge=INT32.min, le=INT32.max)]
EcgId = Annotated[
    str,
    Field(
        pattern=ECG_ID_PATTERN,
        description="The client's identifier, unique among the caller's ECGs.",
        examples=["holter-2024-0001"],
    ),
    stated_rule(
        "ECG ids are 1 to 128 letters, digits, '_', '.' or '-', the first a letter or digit"
    ),
]


# pydantic's date parser reads a string of digits as seconds, or milliseconds, since 1970: a
# date is ISO 8601 text, so it must begin with its calendar date and the time's separator.
ISO_DATE_TIME_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")


def iso_8601_text(value: object) -> object:
    """The text of an ISO 8601 date and time, for pydantic to parse (a datetime passes)."""
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_DATE_TIME_START.match(value)):
        return value
    raise ValueError("a date is ISO 8601 text with a UTC offset, e.g. 2024-05-01T10:00:00Z")


# Lax, since after a validator strict mode takes only datetime objects: iso_8601_text lets
# nothing else through.
UtcDatetime = Annotated[
    AwareDatetime, Field(strict=False), BeforeValidator(iso_8601_text), AfterValidator(in_utc)
]
# No valid upload holds more braces or more brackets than this: an object per upload, lead and
# calibration, an array per upload and signal, and any inside its short strings (names, id,
# units, date). Counting them is linear and allocates nothing, so a body of millions of tiny
# objects is refused before any of them is built.
MAX_JSON_CONTAINERS = 2 + 2 * MAX_LEADS + MAX_LEADS * (MAX_LEAD_NAME_LENGTH + 16) + 256


def valid_lead_name(name: str) -> str:
    """The name, when a lead may have it; else the rule it breaks, as the error's message."""
    problem = lead_name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


LeadName = Annotated[
    str,
    Field(
        description="The lead's label, e.g. I, aVR, V1 or Lead II (Einthoven): printable text "
        "without leading or trailing spaces, 1 to 64 characters, unique within the ECG in any "
        "case, with no control, invisible or formatting characters (Unicode categories Cc, Cf, "
        "Zl, Zp, Cs, Co and Cn: zero-width spaces and joiners, byte-order marks, bidirectional "
        "controls, line separators, private-use and unassigned code points; and the other "
        "characters drawn as nothing: variation selectors, Hangul fillers, the blank braille "
        "pattern; the pattern lists only some). In URLs it is percent-encoded, so it may not "
        "begin or end with '/', hold '//', or have '.' or '..' between slashes.",
        # Documented, not checked by pydantic, whose message would quote the expression:
        # valid_lead_name checks each rule and names the one a name breaks.
        json_schema_extra={
            "minLength": 1,
            "maxLength": MAX_LEAD_NAME_LENGTH,
            "pattern": LEAD_NAME_PATTERN,
        },
    ),
    AfterValidator(valid_lead_name),
]


class LeadFields(StrictModel):
    """A lead's fields other than its signal (``EcgUpload.from_json`` validates them apart)."""

    name: LeadName
    calibration: CalibrationModel | None = None
    number_of_samples: int | None = Field(
        None, ge=1, description="Optional; when given it must equal the signal's length."
    )


class LeadUpload(LeadFields):
    """One lead of an uploaded ECG."""

    signal: list[Sample] = Field(
        min_length=1,
        max_length=MAX_JSON_SIGNAL_SAMPLES,
        fail_fast=True,
        description="Samples as JSON integers within int32.",
    )

    @model_validator(mode="after")
    def _count_matches_signal(self):
        problem = count_mismatch(self.number_of_samples, len(self.signal))
        if problem:
            raise ValueError(problem)
        return self


class EcgFields(StrictModel):
    """An ECG's fields other than its leads."""

    id: EcgId | None = Field(None, description="Generated by the server when absent.")
    date: UtcDatetime | None = Field(
        None,
        description="Acquisition time, ISO 8601 with a UTC offset; defaults to the upload time. "
        "Stored at millisecond precision.",
    )
    sampling_frequency: float | None = Field(
        None,
        gt=0,
        le=MAX_SAMPLING_FREQUENCY,
        allow_inf_nan=False,
        description="Samples per second (Hz).",
    )


class EcgUpload(EcgFields):
    """An ECG as a client uploads it."""

    max_body: ClassVar[str] = "MAX_CONTENT_LENGTH"

    leads: list[LeadUpload] = Field(min_length=1, max_length=MAX_LEADS)

    @field_validator("leads")
    @classmethod
    def _lead_names_are_unique(cls, leads: list[LeadUpload]) -> list[LeadUpload]:
        duplicates = repeated_names([lead.name for lead in leads])
        if duplicates:
            raise ValueError(
                f"lead names must be unique in any case; repeated: {', '.join(duplicates)}"
            )
        return leads

    @classmethod
    def from_json(cls, body: bytes) -> "EcgUpload":
        """Validate a body: in one typed pass when it is valid, else with pydantic alone, whose
        errors (``ValidationError``) name each offending field.

        The typed pass (``valid_upload``) accepts only what pydantic accepts, with the same
        values, but reads the samples into arrays instead of making a Python int of each: for
        a standard upload 1.3-2.0 ms instead of 5.9 (with the conversion to numpy), and 2.2
        times the body in memory instead of 25.
        """
        return valid_upload(body) or cls.model_validate_json(body)

    @staticmethod
    def screen_json(body: bytes) -> None:
        """Refuse, before parsing, a body with more objects or arrays than any valid upload."""
        for opener, closer, kind in ((b"{", b"}", "objects"), (b"[", b"]", "arrays")):
            opened = occurrences(body, opener)
            if opened <= MAX_JSON_CONTAINERS:
                continue
            if body.count(closer) != opened:
                message = f"The request body is not valid JSON: its {kind} are not closed."
                raise ApiError(400, "malformed_json", message)
            message = (
                f"an ECG has at most {MAX_LEADS} leads, and the body holds more JSON {kind} "
                "than any such upload can"
            )
            raise validation_error([{"field": "leads", "message": message}])

    def to_recording(self) -> Recording:
        """The upload as numpy signals."""
        return Recording(
            id=self.id,
            date=self.date,
            sampling_frequency=self.sampling_frequency,
            leads=[
                LeadInput(
                    name=lead.name,
                    blocks=functools.partial(signal_blocks, lead.signal),
                    calibration=Calibration(**lead.calibration.model_dump())
                    if lead.calibration
                    else None,
                    number_of_samples=len(lead.signal),
                )
                for lead in self.leads
            ],
        )


def count_mismatch(number_of_samples: int | None, length: int) -> str | None:
    if number_of_samples is None or number_of_samples == length:
        return None
    return f"number_of_samples is {number_of_samples} but the signal has {length} samples"


def repeated_names(names: list[str]) -> list[str]:
    """The names that another name repeats in any case or Unicode form (``name_key``)."""
    keys = [name_key(name) for name in names]
    return sorted({name for name, key in zip(names, keys, strict=True) if keys.count(key) > 1})


# The upload's structure for msgspec: each signal's raw text, every other field as raw JSON for
# pydantic (LeadFields, EcgFields), and no key the models do not know.
RawLead = raw_fields("RawLead", LeadFields, signal=msgspec.Raw)
RawUpload = raw_fields(
    "RawUpload",
    EcgFields,
    leads=Annotated[list[RawLead], msgspec.Meta(min_length=1, max_length=MAX_LEADS)],
)
RAW_UPLOAD = msgspec.json.Decoder(RawUpload)


def valid_upload(body: bytes) -> EcgUpload | None:
    """The upload, when the body is valid; None at the first doubt (the caller then asks
    pydantic, which says what is wrong). Signals are int32 arrays rather than lists."""
    split = split_whole_body(body, "leads", MAX_LEADS, "signal", MAX_JSON_SIGNAL_SAMPLES)
    split = split or split_raw_upload(body)
    if split is None:
        return None
    upload_fields, split_leads = split
    leads = []
    for lead_fields, signal in split_leads:
        try:
            fields = validate_fields(LeadFields, lead_fields)
        except ValidationError:
            return None
        if count_mismatch(fields.number_of_samples, signal.size):
            return None
        leads.append(LeadUpload.model_construct(**dict(fields), signal=signal))
    if repeated_names([lead.name for lead in leads]):
        return None
    try:
        fields = validate_fields(EcgFields, upload_fields)
    except ValidationError:
        return None
    return EcgUpload.model_construct(**dict(fields), leads=leads)


def split_raw_upload(body: bytes) -> SplitBody | None:
    """``split_whole_body`` for a body of any size: msgspec checks the whole syntax and the
    structure and hands over each signal's text, which simdjson reads (a long one in pieces)."""
    try:
        upload = RAW_UPLOAD.decode(body)
    except msgspec.MsgspecError:
        return None
    leads = []
    for raw_lead in upload.leads:
        signal = int32_array(raw_lead.signal, MAX_JSON_SIGNAL_SAMPLES)
        if signal is None:
            return None
        leads.append((present_fields(LeadFields, raw_lead), signal))
    return present_fields(EcgFields, upload), leads


def with_file_parts(schema: dict) -> None:
    """Document the file parts beside the form's fields in the multipart schema."""
    schema["properties"][FILE_PART] = {
        "type": "array",
        "items": {"type": "string", "contentMediaType": "application/octet-stream"},
        "description": "The recording's file or files.",
    }
    schema["required"] = [*schema.get("required", []), FILE_PART]


class FileUploadForm(BaseModel):
    """Form fields sent with ECG files (multipart/form-data, one or more 'file' parts).

    EDF/EDF+/BDF, WFDB (.hea with its .dat, as two parts or one zip) and DICOM waveform ECGs
    are recognised from their content. Lead names, sampling frequency and units come from the
    file. A file's start time without a UTC offset is read as UTC; send date to override it.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=with_file_parts)
    # The setting that caps a multipart body (files are larger than any JSON body).
    max_body: ClassVar[str] = "MAX_FILE_UPLOAD_SIZE"

    id: EcgId | None = Field(None, description="Generated by the server when absent.")
    date: UtcDatetime | None = Field(None, description="Overrides the file's start time.")

    def to_recording(self) -> Recording:
        """Read the request's files; the form's id and date take precedence over the file's.

        Raises ``UnreadableFile`` or ``UnsupportedFile`` when the files are not a recording.
        """
        files = uploaded_files()
        if not files:
            message = "send the recording as one or more 'file' parts"
            raise validation_error([{"field": FILE_PART, "message": message}])
        recording = read_recording(files)
        overrides = {"id": self.id, "date": self.date}
        return replace(recording, **{key: value for key, value in overrides.items() if value})


def signal_blocks(samples: list[int] | np.ndarray) -> list[np.ndarray]:
    """A JSON signal (validated to fit int32) as views of BLOCK_SAMPLES, the blocks file readers
    give: the analyses copy a block to floats, so a block, not the lead, bounds those copies."""
    signal = np.asarray(samples, dtype=np.int32)
    return [signal[start : start + BLOCK_SAMPLES] for start in range(0, signal.size, BLOCK_SAMPLES)]


class FileUploadRequest(Request):
    """A request whose file parts are written to named temporary files (deleted on close).

    Readers such as edfio read lazily only from a path, which keeps memory bounded for
    recordings of any length.
    """

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return tempfile.NamedTemporaryFile("wb+", prefix="ecg-upload-")  # noqa: SIM115


def receive_files_on_disk(blueprint: Blueprint) -> None:
    """Make the app that registers ``blueprint`` spool file parts with FileUploadRequest."""
    blueprint.record_once(lambda state: setattr(state.app, "request_class", FileUploadRequest))


def uploaded_files() -> list[UploadedFile]:
    """The request's file parts."""
    files = []
    for storage in request.files.getlist(FILE_PART):
        storage.stream.flush()
        files.append(UploadedFile(filename=storage.filename or "", path=Path(storage.stream.name)))
    return files
