"""``sellerbridge connection ...``: add, list, show, test, update, disable, enable, oauth-url, check-expiry,
subscribe, unsubscribe (A1-A5, B1, I1). Secrets come from environment variables or hidden prompts and are
never printed (A3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table

from ..services import connections as service
from ..services import oauth
from ..services.orders import parse_status
from . import authorization, context, subscriptions
from .context import EXIT_CONFIG, EXIT_FAILED, console, handles_errors, print_fields, print_json, read_secret

app = typer.Typer(no_args_is_help=True, help="Amazon seller connections (one seller account + marketplace).")

DEFAULT_SECRET_ENV = "SELLERBRIDGE_LWA_CLIENT_SECRET"
DEFAULT_TOKEN_ENV = "SELLERBRIDGE_LWA_REFRESH_TOKEN"
CHANNEL_ALIASES = {"MFN": "MFN", "MERCHANT": "MFN", "AFN": "AFN", "FBA": "AFN", "AMAZON": "AFN"}


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        context.fail(f"not an ISO date or date-time: {text!r}", EXIT_CONFIG)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _order_settings(statuses: str | None, channels: str | None, not_before: str | None, import_mode: str | None,
                    product_code: str | None, pii_grant: bool | None, ignore_orders: str | None,
                    ignore_skus: str | None, ignore_asins: str | None) -> dict[str, Any] | None:
    def items(text: str) -> list[str]:
        return [p.strip() for p in text.split(",") if p.strip()]

    out: dict[str, Any] = {}
    if statuses:
        out["statuses"] = [parse_status(s).value for s in items(statuses)]
    if channels:
        unknown = [c for c in items(channels) if c.upper() not in CHANNEL_ALIASES]
        if unknown:
            context.fail(f"unknown channel(s) {', '.join(unknown)}: use MFN and/or AFN (FBA)", EXIT_CONFIG)
        out["channels"] = sorted({CHANNEL_ALIASES[c.upper()] for c in items(channels)})
    if not_before:
        out["not_before"] = _when(not_before).isoformat()  # type: ignore[union-attr]
    if import_mode:
        out["import_mode"] = import_mode
    if product_code:
        out["product_code"] = product_code.lower()
    if pii_grant is not None:
        out["pii_grant"] = pii_grant
    for key, text in (("ignored_order_ids", ignore_orders), ("ignored_skus", ignore_skus),
                      ("ignored_asins", ignore_asins)):
        if text is not None:
            out[key] = items(text)
    return out or None


def _table(records: list[Any]) -> Table:
    table = Table("id", "name", "seller", "marketplace", "region", "status", "credentials", "expires", "last error")
    for r in records:
        s = service.summary(r)
        table.add_row(str(r.id), r.name, s["seller_id"] or "(awaiting consent)", f"{s['country']} {r.marketplace_id}",
                      r.region.upper(), r.status, "yes" if r.has_credentials else "no",
                      f"{r.authorization_expires_at:%Y-%m-%d}" if r.authorization_expires_at else "-",
                      (r.last_error or "")[:60])
    return table


@app.command("add")
@handles_errors
def add(
    name: str = typer.Argument(..., help="a name for the connection, e.g. acme-us"),
    marketplace: str = typer.Option(..., "--marketplace", "-m", help="marketplace id or country code (US, DE, JP)"),
    client_id: str = typer.Option(..., "--client-id", help="the SP-API app's LWA client id"),
    seller_id: str | None = typer.Option(None, "--seller-id", help="Amazon merchant id (OAuth learns it if omitted)"),
    client_secret_env: str = typer.Option(DEFAULT_SECRET_ENV, help="environment variable holding the LWA client "
                                          "secret (prompted, hidden, when unset)"),
    refresh_token_env: str = typer.Option(DEFAULT_TOKEN_ENV, help="environment variable holding the seller's "
                                          "refresh token (prompted when unset; empty: authorize later by OAuth)"),
    oauth_later: bool = typer.Option(False, "--oauth", help="no refresh token now: authorize with `oauth-url`"),
    api_base_url: str | None = typer.Option(None, help="override the SP-API endpoint (proxy, Amazon's sandbox)"),
    lwa_token_url: str | None = typer.Option(None, help="override the LWA token URL"),
    sandbox: str | None = typer.Option(None, help="a local sandbox URL: both endpoints point at it"),
    authorized_at: str | None = typer.Option(None, help="when the seller authorized (ISO; default now): expiry +365 d"),
    statuses: str | None = typer.Option(None, help="order statuses to import, comma-separated"),
    channels: str | None = typer.Option(None, help="MFN, AFN or both"),
    not_before: str | None = typer.Option(None, help="don't import orders placed before (ISO date)"),
    import_mode: str | None = typer.Option(None, help="normal | purchase_order | completed"),
    product_code: str | None = typer.Option(None, help="sku | asin"),
    pii_grant: bool | None = typer.Option(None, "--pii-grant/--no-pii-grant", help="the seller granted PII roles"),
    as_json: bool = typer.Option(False, "--json", help="print the connection as JSON"),
) -> None:
    """Add a connection (A1). Secrets are read from env vars or hidden prompts, never printed (A3)."""
    if sandbox:
        endpoints = service.local_sandbox_endpoints(sandbox)
        api_base_url, lwa_token_url = endpoints.api_base_url, endpoints.lwa_token_url
    secret = read_secret(client_secret_env, "LWA client secret", required=True)
    token = None if oauth_later else read_secret(refresh_token_env, "Refresh token (empty: authorize by OAuth later)",
                                                 required=False)
    settings = _order_settings(statuses, channels, not_before, import_mode, product_code, pii_grant, None, None, None)
    with context.hub() as hub:
        record = service.add_connection(
            hub, name=name, marketplace_ref=marketplace, client_id=client_id, client_secret=secret,
            refresh_token=token, seller_id=seller_id, api_base_url=api_base_url, lwa_token_url=lwa_token_url,
            authorized_at=_when(authorized_at), order_settings=settings)
    if as_json:
        print_json(service.summary(record))
        return
    console.print(f"connection [bold]{record.name}[/bold] added (id {record.id})", highlight=False)
    if not token:
        console.print(f"next: `sellerbridge connection oauth-url {record.name}` to have the seller authorize it")


@app.command("list")
@handles_errors
def list_(status: str | None = typer.Option(None, help="active | disabled | expired"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """List connections (no secrets)."""
    with context.hub() as hub:
        records = service.list_connections(hub, status=status)
    if as_json:
        print_json([service.summary(r) for r in records])
    else:
        console.print(_table(records))


@app.command("show")
@handles_errors
def show(name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One connection with its settings (no secrets)."""
    with context.hub() as hub:
        data = service.summary(service.get_connection(hub, name))
    if as_json:
        print_json(data)
        return
    print_fields(data)


@app.command("test")
@handles_errors
def test(name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Get an access token and make one cheap SP-API call (A2); exit 1 when it fails."""
    with context.hub() as hub:
        check = service.test_connection(hub, name)
    if as_json:
        print_json({"ok": check.ok, "token_ok": check.token_ok, "api_ok": check.api_ok, "message": check.message,
                    "api_base_url": check.api_base_url, "rate_limit": check.rate_limit})
    elif check.ok:
        console.print(f"[green]ok[/green]: {check.message} ({check.api_base_url})", highlight=False)
    else:
        console.print(f"[red]failed[/red]: {check.message}", highlight=False)
    if not check.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command("disable")
@handles_errors
def disable(name: str, reason: str | None = typer.Option(None, help="shown with the connection")) -> None:
    """Stop every sync of the connection; nothing is deleted (A5)."""
    with context.hub() as hub:
        record = service.disable_connection(hub, name, reason=reason)
    console.print(f"connection {record.name} disabled: its syncs are stopped", highlight=False)


@app.command("enable")
@handles_errors
def enable(name: str) -> None:
    """Resume a disabled connection (an expired one must be re-authorized first)."""
    with context.hub() as hub:
        record = service.enable_connection(hub, name)
    console.print(f"connection {record.name} enabled", highlight=False)


@app.command("update")
@handles_errors
def update(
    name: str,
    new_name: str | None = typer.Option(None, "--rename"),
    client_id: str | None = typer.Option(None, "--client-id"),
    client_secret_env: str | None = typer.Option(None, help="replace the client secret from this env var"),
    refresh_token_env: str | None = typer.Option(None, help="replace the refresh token from this env var "
                                                 "(a new authorization: expiry +365 days)"),
    remove_credentials: bool = typer.Option(False, help="remove secret and token: the syncs stop (A5)"),
    api_base_url: str | None = typer.Option(None, help="new SP-API endpoint; 'default' follows the region"),
    lwa_token_url: str | None = typer.Option(None, help="new LWA token URL; 'default' for Amazon's"),
    authorized_at: str | None = typer.Option(None, help="date of the current authorization (ISO)"),
    statuses: str | None = typer.Option(None), channels: str | None = typer.Option(None),
    not_before: str | None = typer.Option(None), import_mode: str | None = typer.Option(None),
    product_code: str | None = typer.Option(None),
    pii_grant: bool | None = typer.Option(None, "--pii-grant/--no-pii-grant"),
    ignore_orders: str | None = typer.Option(None, help="Amazon order ids to ignore, comma-separated"),
    ignore_skus: str | None = typer.Option(None), ignore_asins: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Change credentials, endpoints or order settings; the cached gateway is dropped."""
    def url(value: str | None) -> Any:
        return service.KEEP if value is None else (None if value in ("", "default") else value)

    kwargs: dict[str, Any] = {"api_base_url": url(api_base_url), "lwa_token_url": url(lwa_token_url)}
    if new_name:
        kwargs["name"] = new_name
    if client_id:
        kwargs["client_id"] = client_id
    if remove_credentials:
        kwargs["client_secret"] = kwargs["refresh_token"] = None
    if client_secret_env:
        kwargs["client_secret"] = read_secret(client_secret_env, "LWA client secret", required=True)
    if refresh_token_env:
        kwargs["refresh_token"] = read_secret(refresh_token_env, "Refresh token", required=True)
    if authorized_at:
        kwargs["authorized_at"] = _when(authorized_at)
    settings = _order_settings(statuses, channels, not_before, import_mode, product_code, pii_grant,
                               ignore_orders, ignore_skus, ignore_asins)
    with context.hub() as hub:
        record = service.update_connection(hub, name, order_settings=settings, **kwargs)
    if as_json:
        print_json(service.summary(record))
    else:
        console.print(f"connection {record.name} updated", highlight=False)


@app.command("oauth-url")
@handles_errors
def oauth_url(
    name: str,
    application_id: str | None = typer.Option(None, help="SP-API app id (default SELLERBRIDGE_SPAPI_APPLICATION_ID)"),
    seller_central_url: str | None = typer.Option(None, help="Seller Central origin or a consent-page URL"),
    setup_link: bool = typer.Option(False, "--setup-link", help="a shareable link to the hub's setup page instead"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The OAuth consent URL (A2), or a shareable setup link for a client who holds the Amazon login."""
    with context.hub() as hub:
        if setup_link:
            link, expires = oauth.setup_link(hub, name)
            data = {"url": link, "expires_at": expires.isoformat(), "kind": "setup_link"}
        else:
            auth = oauth.start_authorization(hub, name, application_id=application_id,
                                             seller_central_url=seller_central_url)
            data = {"url": auth.consent_url, "expires_at": auth.expires_at.isoformat(), "kind": "consent_url"}
    if as_json:
        print_json(data)
    else:
        typer.echo(data["url"])
        console.print(f"valid until {data['expires_at']}", style="dim", highlight=False)


@app.command("check-expiry")
@handles_errors
def check_expiry(as_json: bool = typer.Option(False, "--json")) -> None:
    """A4: warn 30/7/1 days before an authorization expires; stop expired connections (run it daily)."""
    with context.hub() as hub:
        notices = service.check_authorizations(hub)
    if as_json:
        print_json([{"connection": n.name, "kind": n.kind, "days": n.days, "expires_at": n.expires_at.isoformat(),
                     "message": n.message} for n in notices])
        return
    for n in notices:
        console.print(("[red]expired[/red]: " if n.kind == "expired" else "[yellow]warning[/yellow]: ") + n.message,
                      highlight=False)


# The order flow's messages name `connection authorize`: the same command as oauth-url.
app.command("authorize", hidden=True)(oauth_url)
app.command("subscribe")(subscriptions.subscribe)
app.command("unsubscribe")(subscriptions.unsubscribe)
app.command("confirm-authorization")(authorization.confirm_authorization)
app.command("discard-authorization")(authorization.discard_authorization)
