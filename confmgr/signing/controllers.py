"""Signing routes: the API (``/api/v1/meetings/{id}/documents/{kind}/signed|sign|seal|
seal-appendix|signatures``, ``POST /api/v1/verify``) and the pages (a document's signing page, the
user's certificate and image, the agency's seal image)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import Role, User
from confmgr.documents import services as documents
from confmgr.documents.controllers import send_bytes
from confmgr.errors import DomainError, InvalidInput, NotFound
from confmgr.i18n import N_, gettext
from confmgr.meetings.access import get_meeting
from confmgr.signing import services
from confmgr.signing.models import DocumentRevision
from confmgr.signing.schemas import RevisionOut, SignatureOut, SignaturesOut, SignInput, VerifyOut
from confmgr.signing.validation import SignatureCheck
from confmgr.web.forms import form_data
from confmgr.web.render import page

KINDS = ("minutes", "conclusions")
UPLOAD_LIMIT = 30 * 1024 * 1024
BODY_LIMIT = UPLOAD_LIMIT + 64 * 1024
P12_BODY_LIMIT = 3 * 1024 * 1024


def signature_out(c: SignatureCheck) -> SignatureOut:
    return SignatureOut(
        signer=c.signer, organization=c.organization, signed_at=c.signed_at, kind=c.kind, intact=c.intact,
        trusted=c.trusted, covers_issued_bytes=c.covers_issued_bytes, timestamped=c.timestamped,
        problems=[gettext(m, **p) for m, p in c.problems],
    )


def revision_out(request: Request[Any, Any, Any], meeting_id: int, kind: str, r: DocumentRevision) -> RevisionOut:
    base = request.app.state.settings.server.base_url
    return RevisionOut(
        seq=r.seq, stage=r.stage, method=r.method, sha256=r.sha256, size=r.size, signer=r.signer_name,
        organization=r.organization, signed_at=r.signed_at, created_at=r.created_at,
        url=f"{base}/api/v1/meetings/{meeting_id}/documents/{kind}/revisions/{r.seq}.pdf",
    )


def _upload(data: dict[str, Any]) -> UploadFile | None:
    upload = data.get("file")
    return upload if isinstance(upload, UploadFile) else None


def _seq(filename: str) -> int:
    stem, dot, ext = filename.partition(".")
    if ext != "pdf" or not stem.isdigit() or len(stem) > 6:
        raise NotFound("No such document.")
    return int(stem)


# ---- API --------------------------------------------------------------------------


class SigningApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}/documents"
    tags = ["signing"]

    async def _signed(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, kind: str,
                      data: dict[str, Any]) -> RevisionOut:
        raw = await services.read_upload(_upload(data), UPLOAD_LIMIT)
        revision = await services.accept_signed(db, actor, request.app.state.settings, meeting_id, kind, raw)
        return revision_out(request, meeting_id, kind, revision)

    @post("/minutes/signed", request_max_body_size=BODY_LIMIT)
    async def minutes_signed(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> RevisionOut:
        """The minutes signed outside confmgr (multipart ``file``): an incremental update of the current revision."""
        return await self._signed(request, db_session, actor, meeting_id, "minutes", data)

    @post("/conclusions/signed", request_max_body_size=BODY_LIMIT)
    async def conclusions_signed(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> RevisionOut:
        """The conclusions notice signed outside confmgr (multipart ``file``)."""
        return await self._signed(request, db_session, actor, meeting_id, "conclusions", data)

    async def _sign(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, kind: str,
                    data: SignInput | None) -> RevisionOut:
        password = data.password if data else ""
        revision = await services.sign_with_own_key(db, actor, request.app.state.settings, meeting_id, kind, password)
        return revision_out(request, meeting_id, kind, revision)

    @post("/minutes/sign")
    async def minutes_sign(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[SignInput | None, Body()] = None,
    ) -> RevisionOut:
        """Sign the minutes with the acting user's stored certificate (``{"password"}``)."""
        return await self._sign(request, db_session, actor, meeting_id, "minutes", data)

    @post("/conclusions/sign")
    async def conclusions_sign(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[SignInput | None, Body()] = None,
    ) -> RevisionOut:
        """Sign the conclusions notice with the acting user's stored certificate."""
        return await self._sign(request, db_session, actor, meeting_id, "conclusions", data)

    @post("/minutes/seal")
    async def minutes_seal(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> RevisionOut:
        """The clerk applies the agency's signature to the signed minutes."""
        revision = await services.seal(db_session, actor, request.app.state.settings, meeting_id, "minutes")
        return revision_out(request, meeting_id, "minutes", revision)

    @post("/conclusions/seal")
    async def conclusions_seal(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> RevisionOut:
        """The clerk applies the agency's signature to the signed notice."""
        revision = await services.seal(db_session, actor, request.app.state.settings, meeting_id, "conclusions")
        return revision_out(request, meeting_id, "conclusions", revision)

    async def _seal_appendix(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, kind: str,
                             data: dict[str, Any]) -> Response[bytes]:
        raw = await services.read_upload(_upload(data), UPLOAD_LIMIT)
        return send_bytes(await services.seal_appendix(db, actor, request.app.state.settings, meeting_id, kind, raw))

    @post("/minutes/seal-appendix", request_max_body_size=BODY_LIMIT, status_code=200, media_type="application/pdf")
    async def minutes_seal_appendix(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[bytes]:
        """The clerk applies the agency's signature to an appendix of the minutes sent as a
        separate PDF (multipart ``file``): top right of page 1, the minutes' number and the
        signing time; the signed PDF comes back (not stored)."""
        return await self._seal_appendix(request, db_session, actor, meeting_id, "minutes", data)

    @post("/conclusions/seal-appendix", request_max_body_size=BODY_LIMIT, status_code=200, media_type="application/pdf")
    async def conclusions_seal_appendix(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[bytes]:
        """The same for an appendix of the conclusions notice."""
        return await self._seal_appendix(request, db_session, actor, meeting_id, "conclusions", data)

    async def _signatures(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, kind: str) -> SignaturesOut:
        found = await services.signatures(db, actor, request.app.state.settings, meeting_id, kind)
        return SignaturesOut(
            number=found.issued.number_text, stage=found.stage, sha256=found.sha256,
            signatures=[signature_out(c) for c in found.checks],
            revisions=[revision_out(request, meeting_id, kind, r) for r in found.revisions],
        )

    @get("/minutes/signatures")
    async def minutes_signatures(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> SignaturesOut:
        """The minutes' signatures (latest revision), each validated."""
        return await self._signatures(request, db_session, actor, meeting_id, "minutes")

    @get("/conclusions/signatures")
    async def conclusions_signatures(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> SignaturesOut:
        """The notice's signatures (latest revision), each validated."""
        return await self._signatures(request, db_session, actor, meeting_id, "conclusions")

    @get("/minutes/revisions/{filename:str}", media_type="application/pdf")
    async def minutes_revision(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, filename: str) -> Response[bytes]:
        """One revision of the minutes: ``0.pdf`` the numbered file, then each signed one."""
        doc = await services.revision_file(db_session, actor, request.app.state.settings, meeting_id, "minutes", _seq(filename))
        return send_bytes(doc)

    @get("/conclusions/revisions/{filename:str}", media_type="application/pdf")
    async def conclusions_revision(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, filename: str) -> Response[bytes]:
        """One revision of the notice."""
        doc = await services.revision_file(db_session, actor, request.app.state.settings, meeting_id, "conclusions", _seq(filename))
        return send_bytes(doc)


def verify_out(v: services.Verification) -> VerifyOut:
    return VerifyOut(
        issued=v.issued is not None and not v.tampered, number=v.issued.number_text if v.issued else None,
        stage=v.stage, tampered=v.tampered, title=v.issued.title if v.issued else None,
        signatures=[signature_out(c) for c in v.checks],
    )


class VerifyApi(Controller):
    path = "/api/v1/verify"
    tags = ["signing"]

    @post("/", request_max_body_size=BODY_LIMIT, status_code=200)
    async def verify(
        self, request: Request[Any, Any, Any], db_session: AsyncSession,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> VerifyOut:
        """Check a numbered, signed or sealed PDF (multipart ``file``; no login): the
        number, each signature (who, organisation, when, intact, trusted) and tampering."""
        raw = await services.read_upload(_upload(data), UPLOAD_LIMIT)
        verification = await services.verify(db_session, request.app.state.settings, raw)
        if verification.issued is None and not verification.checks:
            raise InvalidInput("This file is not a revision of a document issued here.",
                               field_errors={"file": N_("This file is not a revision of a document issued here.")})
        return verify_out(verification)


# ---- pages ------------------------------------------------------------------------


STAGE_LABELS = {
    "numbered": N_("Numbered, not signed yet"),
    "signed": N_("Signed by the signer, not sealed yet"),
    "sealed": N_("Sealed by the agency: ready to distribute"),
}


class SigningPages(Controller):
    path = "/meetings/{meeting_id:int}/documents"
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, kind: str, *,
                    message: str | None = None, params: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200, notice: str | None = None) -> Template:
        settings = request.app.state.settings
        found = await services.signatures(db, actor, settings, meeting_id, kind)
        cred = await services.credential_of(db, actor)
        return page(
            "signing/document.html", status_code=status_code, kind=kind, found=found, meeting_id=meeting_id,
            meeting=await get_meeting(db, actor, meeting_id),
            user=actor, cred=cred, message=message, params=params or {}, errors=errors or {}, notice=notice,
            sealing=settings.signing.sealing_configured, stage_labels=STAGE_LABELS,
            is_clerk=getattr(actor, "role", None) == Role.CLERK.value,
        )

    async def _show(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, kind: str, done: str) -> Template:
        notices = {"signed": N_("The signed file was stored."), "sealed": N_("The agency's signature was applied.")}
        return await self._page(request, db, actor, meeting_id, kind, notice=notices.get(done))

    @get("/minutes/signing")
    async def minutes_page(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, done: str = "") -> Template:
        return await self._show(request, db_session, actor, meeting_id, "minutes", done)

    @get("/conclusions/signing")
    async def conclusions_page(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, done: str = "") -> Template:
        return await self._show(request, db_session, actor, meeting_id, "conclusions", done)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int,
                   kind: str) -> Template | Redirect | Response[bytes]:
        settings = request.app.state.settings
        form = await request.form()
        action = str(form.get("action", ""))
        try:
            if action == "seal_appendix":
                upload = form.get("file")
                raw = await services.read_upload(upload if isinstance(upload, UploadFile) else None, UPLOAD_LIMIT)
                signed = send_bytes(await services.seal_appendix(db, actor, settings, meeting_id, kind, raw))
                signed.status_code = 200  # a download, not a redirect to the page
                return signed
            if action == "upload":
                upload = form.get("file")
                raw = await services.read_upload(upload if isinstance(upload, UploadFile) else None, UPLOAD_LIMIT)
                await services.accept_signed(db, actor, settings, meeting_id, kind, raw)
                done = "signed"
            elif action == "sign":
                await services.sign_with_own_key(db, actor, settings, meeting_id, kind, str(form.get("password", "")))
                done = "signed"
            elif action == "seal":
                await services.seal(db, actor, settings, meeting_id, kind)
                done = "sealed"
            else:
                raise InvalidInput("The form is incomplete. Please reload the page.")
        except DomainError as exc:
            return await self._page(request, db, actor, meeting_id, kind, message=exc.message, params=exc.params,
                                    errors=exc.field_errors, status_code=exc.status_code)
        return Redirect(f"/meetings/{meeting_id}/documents/{kind}/signing?done={done}")

    @post("/minutes/signing", request_max_body_size=BODY_LIMIT)
    async def minutes_act(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None,
                          meeting_id: int) -> Template | Redirect | Response[bytes]:
        return await self._act(request, db_session, actor, meeting_id, "minutes")

    @post("/conclusions/signing", request_max_body_size=BODY_LIMIT)
    async def conclusions_act(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None,
                              meeting_id: int) -> Template | Redirect | Response[bytes]:
        return await self._act(request, db_session, actor, meeting_id, "conclusions")

    @get("/{kind:str}/revisions/{filename:str}")
    async def revision(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, kind: str, filename: str) -> Response[bytes]:
        if kind not in KINDS:
            raise NotFound("No such document.")
        doc = await services.revision_file(db_session, actor, request.app.state.settings, meeting_id, kind, _seq(filename))
        return send_bytes(doc)


class SigningProfilePages(Controller):
    """A user's own certificate and signature image; the agency's seal image."""

    path = "/signing"
    include_in_schema = False

    async def _page(self, db: AsyncSession, actor: Any, *, message: str | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200, notice: str | None = None) -> Template:
        cred = await services.credential_of(db, actor)
        seal = await services.seal_image(db)
        can_seal_image = bool(actor and (actor.is_admin or actor.role == Role.CLERK.value))
        return page("signing/profile.html", status_code=status_code, cred=cred, seal=seal, user=actor, message=message,
                    errors=errors or {}, notice=notice, can_seal_image=can_seal_image, can_sign=bool(actor and actor.can_edit))

    @get("/")
    async def show(self, db_session: AsyncSession, actor: User | None, saved: str = "") -> Template:
        return await self._page(db_session, actor, notice=N_("Saved.") if saved else None)

    @post("/", request_max_body_size=P12_BODY_LIMIT)
    async def save(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None) -> Template | Redirect:
        settings = request.app.state.settings
        form = await request.form()

        async def read(name: str, limit: int) -> bytes | None:
            upload = form.get(name)
            if not isinstance(upload, UploadFile) or not upload.filename:
                return None
            data = await upload.read(limit + 1)
            if len(data) > limit:
                raise InvalidInput("The file is too large.", field_errors={name: N_("The file is too large.")})
            return data

        try:
            if str(form.get("action", "")) == "seal_image":
                image = await read("image", 1024 * 1024)
                try:
                    width = int(str(form.get("width_mm", "36")))
                except ValueError:
                    raise InvalidInput("Please correct the highlighted fields.", field_errors={"width_mm": N_("Between 20 and 60 mm.")}) from None
                if image is None:
                    raise InvalidInput("Choose a file.", field_errors={"image": N_("Choose a file.")})
                await services.save_seal_image(db_session, actor, image, width)
            else:
                p12 = await read("p12", 64 * 1024)
                image = await read("image", 1024 * 1024)
                await services.save_credential(db_session, actor, settings, p12=p12, password=str(form.get("password", "")), image=image)
        except DomainError as exc:
            return await self._page(db_session, actor, message=exc.message, errors=exc.field_errors, status_code=exc.status_code)
        return Redirect("/signing?saved=1")

    @get("/image.png")
    async def own_image(self, db_session: AsyncSession, actor: User | None) -> Response[bytes]:
        cred = await services.credential_of(db_session, actor)
        if cred is None or not cred.image_png:
            raise NotFound("No such file.")
        return Response(cred.image_png, media_type="image/png", headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

    @get("/seal.png")
    async def seal_png(self, db_session: AsyncSession, actor: User | None) -> Response[bytes]:
        from confmgr.accounts.permissions import require_user

        require_user(actor)
        seal = await services.seal_image(db_session)
        if seal is None:
            raise NotFound("No such file.")
        return Response(seal.image_png, media_type="image/png", headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


ROUTES: list[Any] = [SigningApi, VerifyApi, SigningPages, SigningProfilePages]
_ = documents


async def verify_file_result(db: AsyncSession, settings: Any, upload: UploadFile | None) -> dict[str, Any]:
    """What /verify shows for an uploaded file: a PDF by its revisions and signatures,
    a Word file by its exact hash."""
    raw = await services.read_any(upload, documents.MAX_VERIFY_BYTES)
    if not raw.startswith(b"%PDF-"):
        found = await documents.verify_bytes_digest(db, hashlib.sha256(raw).hexdigest())
        results = [(found, await documents.superseding(db, found))] if found else []
        return {"by": "file", "found": results, "signing": None, "stage_labels": STAGE_LABELS}
    verification = await services.verify(db, settings, raw)
    ok = verification.issued is not None and not verification.tampered
    results = [(verification.issued, await documents.superseding(db, verification.issued))] if ok and verification.issued else []
    return {"by": "file", "found": results, "signing": verification, "stage_labels": STAGE_LABELS}


async def signing_overview(db: AsyncSession, overview: Any) -> dict[str, Any]:
    """For the documents page: the revisions of each issued document."""
    ids = [d.id for d in (*overview.minutes, *overview.conclusions)]
    return {"revisions": await services.stages_of(db, ids), "labels": STAGE_LABELS}
