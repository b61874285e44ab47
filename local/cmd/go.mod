// Our own small programs for the local cluster; standard library only.
module local.invalid/prices-api-netpol/local

go 1.26
