"""Domain refusals: every refused action raises one of these, named after the rule it broke."""

from __future__ import annotations


class Refusal(Exception):
    """A business rule refused the action. The database is left exactly as it was.

    `rule` is the class name, so the message a nurse reads and the name a test
    checks are the same word.
    """

    def __init__(self, message: str, *, subject: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: What the refusal is about (a vial label, a username, a line number...).
        self.subject = subject

    @property
    def rule(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


# -- set-up and access -------------------------------------------------------
class DatabaseNotInitialised(Refusal): ...


class DatabaseOutOfDate(Refusal): ...


class DatabaseUnavailable(Refusal): ...


class WrongPassword(Refusal): ...


class AccountLocked(Refusal): ...


class AccountDisabled(Refusal): ...


class UnknownUser(Refusal): ...


class PermissionDenied(Refusal): ...


class InvalidDEANumber(Refusal): ...


class InvalidNDC(Refusal): ...


class InvalidSchedule(Refusal): ...


class InvalidAmount(Refusal): ...


class InvalidDate(Refusal): ...


class InvalidText(Refusal): ...


class DuplicateRecord(Refusal): ...


class UnknownRecord(Refusal): ...


class ImportRejected(Refusal): ...


class WeakPassword(Refusal): ...


# -- registrations -----------------------------------------------------------
class RegistrationExpired(Refusal): ...


class ScheduleNotCovered(Refusal): ...


# -- ledger ------------------------------------------------------------------
class LotExpired(Refusal): ...


class MassBalanceBroken(Refusal): ...


class InsufficientBalance(Refusal): ...


class BalanceAboveReceived(Refusal): ...


class VialExpired(Refusal): ...


class VialPastBeyondUseDate(Refusal): ...


class VialNotUsable(Refusal): ...


class SingleDoseVialAlreadyUsed(Refusal): ...


class SingleDoseResidueNotWasted(Refusal): ...


class PatientAddressMissing(Refusal): ...


class UnknownProtocol(Refusal): ...


class ProtocolRetired(Refusal): ...


class OverOrderNotConfirmed(Refusal): ...


class OverOrderNeedsReason(Refusal): ...


class WitnessRequired(Refusal): ...


class SelfWitness(Refusal): ...


class WitnessNotQualified(Refusal): ...


class WitnessNotAuthenticated(Refusal): ...


class LateEntryNeedsReason(Refusal): ...


class EventInFuture(Refusal): ...


class AlreadyReversed(Refusal): ...


class ReversalNotAllowed(Refusal): ...


class TransferNotAllowed(Refusal): ...


class VialIsFinal(Refusal): ...


# -- billing documents ---------------------------------------------------------
class BillingIdentityMissing(Refusal): ...


class NoServiceThatDay(Refusal): ...


# -- exports -------------------------------------------------------------------
class ExportWouldOverwrite(Refusal): ...


class ExportWouldReplaceLedger(Refusal): ...


class ExportPathInvalid(Refusal): ...


class ExportFormatMismatch(Refusal): ...


# -- anchors, backup and restore ---------------------------------------------
class AnchorFileUnreadable(Refusal): ...


class BackupFailed(Refusal): ...


class BackupNotSupported(Refusal): ...


class BackupDoesNotVerify(Refusal): ...


class RestoreWouldOverwriteNewer(Refusal): ...


class RestoreWouldReplaceAnotherClinic(Refusal): ...


class RestoreTargetInUse(Refusal): ...


class BackupGuardsAltered(Refusal): ...


# -- anchors --------------------------------------------------------------------
class AnchorIncomplete(Refusal): ...


# -- counts and discrepancies --------------------------------------------------
class CountNotOpen(Refusal): ...


class CountNotSubmitted(Refusal): ...


class CountReadingInvalid(Refusal): ...


class NothingToApprove(Refusal): ...


class AlreadyApproved(Refusal): ...


class CountWitnessMismatch(Refusal): ...


class DiscrepancyClosed(Refusal): ...


class DiscrepancyNotEscalated(Refusal): ...


class LossAlreadyRecorded(Refusal): ...


# -- billing ----------------------------------------------------------------------------------
class UnknownPrice(Refusal): ...


class UnknownPackage(Refusal): ...


class RenderingProviderNotEligible(Refusal): ...


class InvoiceNotDraft(Refusal): ...


class InvoiceNotIssued(Refusal): ...


class InvoiceEmpty(Refusal): ...


class InvoiceTotalNegative(Refusal): ...


class InfusionNotPending(Refusal): ...


class VoidRefused(Refusal): ...


class CreditNoteTooLarge(Refusal): ...


class PaymentNotAllowed(Refusal): ...


class RefundTooLarge(Refusal): ...


class NothingToRefund(Refusal): ...


class InvalidPaymentMethod(Refusal): ...


class NotAnInventory(Refusal): ...


class AlreadySigned(Refusal): ...


class InventoryIncomplete(Refusal): ...


# -- late entries ----------------------------------------------------------------
class NotALateEntry(Refusal): ...


class AlreadyReviewed(Refusal): ...
