"""The warehouse/OMS side of the hub (B14, C1): deliveries out (signed webhooks, file drop to a local
directory or SFTP) and files in (the shipment inbox). Imports the domain only; ``bootstrap`` wires it."""
