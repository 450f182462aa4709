/// The OpenAPI 3.1 document of the hub's HTTP API: every `/v1` operation, the OAuth 2
/// authorization server's endpoints and the audit witness, served at `GET /v1/openapi.json`.
///
/// Kept true by `OpenAPITests` (every registered route is here and nothing else; every `$ref`
/// resolves; real answers validate against it) and by `scripts/api-contract`, which runs
/// schemathesis over every operation against a live hub. Response schemas describe what the
/// encoders write: a member a Swift `Optional` leaves out when nil is optional, one an `encode(to:)`
/// writes as `null` is required and nullable.
enum OpenAPIDocument {
    static let json: String = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "Hearth hub API",
  "version": "1",
  "description": "The hub's HTTP API: /v1 (problem+json errors, RFC 9457), the OAuth 2 authorization server (RFC 6749 errors) and the audit witness (C2SP tlog-witness)."
 },
 "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
 "servers": [
  {
   "url": "/"
  }
 ],
 "paths": {
  "/.well-known/oauth-authorization-server": {
   "get": {
    "operationId": "serverMetadata",
    "summary": "RFC 8414 authorization server metadata",
    "security": [],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ServerMetadata"
        }
       }
      }
     }
    }
   }
  },
  "/oauth/authorize": {
   "get": {
    "operationId": "authorizePage",
    "summary": "The consent page (HTML), or a redirect back with an error",
    "security": [],
    "responses": {
     "200": {
      "description": "The sign-in and consent page",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "303": {
      "description": "Back to the client's redirect URI with an error"
     },
     "400": {
      "description": "The request cannot be trusted (no redirect)",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   },
   "post": {
    "operationId": "authorizeDecision",
    "summary": "The consent form's submission: a redirect with the code",
    "security": [],
    "responses": {
     "303": {
      "description": "Back to the client's redirect URI with the code or an error"
     },
     "200": {
      "description": "The page again, with a message",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "400": {
      "description": "The request cannot be trusted",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "description": "Wrong email or password",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "403": {
      "description": "The form did not come from this hub",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "429": {
      "description": "Too many attempts",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "csrf": {
          "type": "string"
         },
         "email": {
          "type": "string"
         },
         "password": {
          "type": "string"
         },
         "totp": {
          "type": "string"
         },
         "decision": {
          "type": "string"
         }
        },
        "required": []
       }
      }
     }
    }
   }
  },
  "/oauth/device": {
   "get": {
    "operationId": "deviceVerificationPage",
    "summary": "The device verification page (HTML)",
    "security": [],
    "responses": {
     "200": {
      "description": "The page",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   },
   "post": {
    "operationId": "deviceVerificationDecision",
    "summary": "The device verification form's submission",
    "security": [],
    "responses": {
     "200": {
      "description": "Approved or denied",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "400": {
      "description": "Refused",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "description": "Wrong email or password",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "403": {
      "description": "The form did not come from this hub",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "description": "No such code",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "409": {
      "description": "Already decided",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "429": {
      "description": "Too many attempts",
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "csrf": {
          "type": "string"
         },
         "user_code": {
          "type": "string"
         },
         "email": {
          "type": "string"
         },
         "password": {
          "type": "string"
         },
         "totp": {
          "type": "string"
         },
         "decision": {
          "type": "string"
         }
        },
        "required": []
       }
      }
     }
    }
   }
  },
  "/oauth/device_authorization": {
   "post": {
    "operationId": "deviceAuthorization",
    "summary": "RFC 8628 device authorization",
    "security": [],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/DeviceAuthorization"
        }
       }
      }
     },
     "400": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "401": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "413": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "429": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "client_id": {
          "type": "string"
         },
         "scope": {
          "type": "string"
         },
         "client_assertion_type": {
          "type": "string"
         },
         "client_assertion": {
          "type": "string"
         }
        },
        "required": [
         "client_id"
        ]
       }
      }
     }
    }
   }
  },
  "/oauth/introspect": {
   "post": {
    "operationId": "introspect",
    "summary": "RFC 7662 token introspection (confidential clients)",
    "security": [],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Introspection"
        }
       }
      }
     },
     "400": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "401": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "413": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "429": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "token": {
          "type": "string"
         },
         "token_type_hint": {
          "type": "string"
         },
         "client_id": {
          "type": "string"
         },
         "client_assertion_type": {
          "type": "string"
         },
         "client_assertion": {
          "type": "string"
         }
        },
        "required": [
         "token"
        ]
       }
      }
     }
    }
   }
  },
  "/oauth/jwks.json": {
   "get": {
    "operationId": "jwks",
    "summary": "The keys access tokens verify with",
    "security": [],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/jwk-set+json": {
        "schema": {
         "$ref": "#/components/schemas/JWKSet"
        }
       }
      }
     }
    }
   }
  },
  "/oauth/revoke": {
   "post": {
    "operationId": "revoke",
    "summary": "RFC 7009 token revocation",
    "security": [],
    "responses": {
     "200": {
      "description": "Revoked (or unknown)"
     },
     "400": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "401": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "413": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "429": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "token": {
          "type": "string"
         },
         "token_type_hint": {
          "type": "string"
         },
         "client_id": {
          "type": "string"
         },
         "client_assertion_type": {
          "type": "string"
         },
         "client_assertion": {
          "type": "string"
         }
        },
        "required": [
         "token"
        ]
       }
      }
     }
    }
   }
  },
  "/oauth/token": {
   "post": {
    "operationId": "token",
    "summary": "RFC 6749 token endpoint (authorization_code, refresh_token, device_code, token exchange)",
    "security": [],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Token"
        }
       }
      }
     },
     "400": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "401": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "413": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "429": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     },
     "503": {
      "description": "RFC 6749 \u00a75.2 error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/OAuthError"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "grant_type": {
          "type": "string"
         },
         "code": {
          "type": "string"
         },
         "redirect_uri": {
          "type": "string"
         },
         "code_verifier": {
          "type": "string"
         },
         "refresh_token": {
          "type": "string"
         },
         "device_code": {
          "type": "string"
         },
         "client_id": {
          "type": "string"
         },
         "client_assertion_type": {
          "type": "string"
         },
         "client_assertion": {
          "type": "string"
         },
         "scope": {
          "type": "string"
         },
         "subject_token": {
          "type": "string"
         },
         "subject_token_type": {
          "type": "string"
         },
         "resource": {
          "type": "string"
         }
        },
        "required": [
         "grant_type"
        ]
       }
      }
     }
    }
   }
  },
  "/v1/alerts": {
   "get": {
    "operationId": "listAlerts",
    "summary": "The household's alerts, newest first",
    "parameters": [
     {
      "name": "open",
      "in": "query",
      "required": false,
      "description": "only unacknowledged ones",
      "schema": {
       "type": "string",
       "enum": [
        "true",
        "false"
       ]
      }
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "1 to 1000 (default 100)",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 1000
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "alerts": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Alert"
           }
          }
         },
         "required": [
          "alerts"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "ShowAlert": {
        "operationId": "showAlert",
        "parameters": {
         "id": "$response.body#/alerts/0/id"
        },
        "description": "The first alert listed"
       },
       "AcknowledgeAlert": {
        "operationId": "acknowledgeAlert",
        "parameters": {
         "id": "$response.body#/alerts/0/id"
        },
        "description": "The first alert listed"
       },
       "ApproveHeldCommand": {
        "operationId": "approveHeldCommand",
        "parameters": {
         "id": "$response.body#/alerts/0/id"
        },
        "description": "The first alert listed"
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/alerts/webhook": {
   "get": {
    "operationId": "showWebhook",
    "summary": "Where the household's alerts are posted, and the latest deliveries",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Webhook"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "put": {
    "operationId": "setWebhook",
    "summary": "Set where the household's alerts are posted; the answer carries the signing secret, once",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/WebhookRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/WebhookConfigured"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "delete": {
    "operationId": "removeWebhook",
    "summary": "Stop posting the household's alerts",
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/alerts/{id}": {
   "get": {
    "operationId": "showAlert",
    "summary": "One alert",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Alert"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/alerts/{id}/ack": {
   "post": {
    "operationId": "acknowledgeAlert",
    "summary": "Acknowledge an alert (lifts a block or rate limit it left)",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Alert"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/alerts/{id}/approve": {
   "post": {
    "operationId": "approveHeldCommand",
    "summary": "Deliver the command an alert holds, with a second-factor code",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CodeRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/HeldCommand"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/audit/checkpoint": {
   "get": {
    "operationId": "latestCheckpoint",
    "summary": "The latest signed checkpoint of the audit log",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AuditCheckpoint"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "signCheckpoint",
    "summary": "Sign a checkpoint now",
    "responses": {
     "201": {
      "description": "Signed",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AuditCheckpoint"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/audit/entries": {
   "get": {
    "operationId": "auditEntries",
    "summary": "The household's audit entries, newest first, paged",
    "parameters": [
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "1 to 1000 (default 100)",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 1000
      }
     },
     {
      "name": "cursor",
      "in": "query",
      "required": false,
      "description": "next_cursor of the previous page",
      "schema": {
       "type": "integer",
       "minimum": 0
      }
     },
     {
      "name": "actor",
      "in": "query",
      "required": false,
      "description": "only this actor",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "subject",
      "in": "query",
      "required": false,
      "description": "only this subject",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "action",
      "in": "query",
      "required": false,
      "description": "only this action",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "since",
      "in": "query",
      "required": false,
      "description": "RFC 3339 time",
      "schema": {
       "type": "string",
       "format": "date-time"
      }
     },
     {
      "name": "until",
      "in": "query",
      "required": false,
      "description": "RFC 3339 time",
      "schema": {
       "type": "string",
       "format": "date-time"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "entries": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/AuditEntry"
           }
          },
          "next_cursor": {
           "type": [
            "string",
            "null"
           ]
          }
         },
         "required": [
          "entries",
          "next_cursor"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/audit/proof/consistency": {
   "get": {
    "operationId": "consistencyProof",
    "summary": "A consistency proof between two tree sizes",
    "parameters": [
     {
      "name": "from",
      "in": "query",
      "required": true,
      "description": "the older size",
      "schema": {
       "type": "integer",
       "minimum": 0
      }
     },
     {
      "name": "to",
      "in": "query",
      "required": true,
      "description": "the newer size",
      "schema": {
       "type": "integer",
       "minimum": 0
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ConsistencyProof"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/audit/proof/inclusion": {
   "get": {
    "operationId": "inclusionProof",
    "summary": "An inclusion proof for one of the household's entries",
    "parameters": [
     {
      "name": "index",
      "in": "query",
      "required": true,
      "description": "the entry's index",
      "schema": {
       "type": "integer",
       "minimum": 0
      }
     },
     {
      "name": "size",
      "in": "query",
      "required": false,
      "description": "the tree size (default: the latest checkpoint's)",
      "schema": {
       "type": "integer",
       "minimum": 0
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/InclusionProof"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/certificates/renew": {
   "post": {
    "operationId": "renewCertificate",
    "summary": "Renew the calling device's certificate with a CSR (mutual TLS)",
    "parameters": [
     {
      "name": "reason",
      "in": "query",
      "required": false,
      "description": "why the device renews",
      "schema": {
       "type": "string",
       "enum": [
        "scheduled",
        "key-compromise",
        "reboot"
       ]
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RenewRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The certificate issued for this CSR before",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Issued"
        }
       }
      }
     },
     "201": {
      "description": "Renewed",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Issued"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "deviceCertificate": []
     }
    ]
   }
  },
  "/v1/checkup": {
   "get": {
    "operationId": "checkup",
    "summary": "The hub's posture for the household",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "findings": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/CheckupFinding"
           }
          }
         },
         "required": [
          "findings"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/device": {
   "get": {
    "operationId": "ownDevice",
    "summary": "The calling device's own record (mutual TLS)",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "deviceCertificate": []
     }
    ]
   }
  },
  "/v1/device/firmware": {
   "put": {
    "operationId": "reportFirmware",
    "summary": "The firmware the calling device runs (mutual TLS)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/FirmwareReport"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "posture": {
           "type": "string"
          },
          "reason": {
           "type": [
            "string",
            "null"
           ]
          }
         },
         "required": [
          "posture",
          "reason"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "deviceCertificate": []
     }
    ]
   }
  },
  "/v1/device/update": {
   "get": {
    "operationId": "deviceUpdate",
    "summary": "The update offered to the calling device, if any (mutual TLS)",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/UpdateOffer"
        }
       }
      }
     },
     "204": {
      "description": "No update offered"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "deviceCertificate": []
     }
    ]
   }
  },
  "/v1/devices": {
   "get": {
    "operationId": "listDevices",
    "summary": "The devices the caller may see",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "devices": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Device"
           }
          }
         },
         "required": [
          "devices"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "ShowDevice": {
        "operationId": "showDevice",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       },
       "QuarantineDevice": {
        "operationId": "quarantineDevice",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       },
       "ReleaseDevice": {
        "operationId": "releaseDevice",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       },
       "MoveDevice": {
        "operationId": "moveDevice",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       },
       "RevokeDevice": {
        "operationId": "revokeDevice",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       },
       "TransferDevice": {
        "operationId": "transferDevice",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       },
       "DecommissionDevice": {
        "operationId": "decommissionDevice",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       },
       "SetDeviceModel": {
        "operationId": "setDeviceModel",
        "parameters": {
         "id": "$response.body#/devices/0/id"
        },
        "description": "The first device listed"
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}": {
   "get": {
    "operationId": "showDevice",
    "summary": "One device, with its certificates",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/behind": {
   "post": {
    "operationId": "registerBehindGateway",
    "summary": "Register a device that sits behind this gateway device",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/BehindRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Registered",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "id": {
           "type": "string"
          },
          "name": {
           "type": "string"
          },
          "zone": {
           "type": "string"
          },
          "gateway_id": {
           "type": "string"
          }
         },
         "required": [
          "id",
          "name",
          "zone",
          "gateway_id"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "ShowDevice": {
        "operationId": "showDevice",
        "parameters": {
         "id": "$response.body#/id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/claim": {
   "post": {
    "operationId": "claimDevice",
    "summary": "Claim an unclaimed device",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ClaimRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/decommission": {
   "post": {
    "operationId": "decommissionDevice",
    "summary": "Decommission a device",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/move": {
   "post": {
    "operationId": "moveDevice",
    "summary": "Move a device to another zone",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/MoveRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/quarantine": {
   "post": {
    "operationId": "quarantineDevice",
    "summary": "Quarantine a device",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/release": {
   "post": {
    "operationId": "releaseDevice",
    "summary": "Release a device from quarantine",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/revoke": {
   "post": {
    "operationId": "revokeDevice",
    "summary": "Revoke a device's certificates",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/devices/{id}/transfer": {
   "post": {
    "operationId": "transferDevice",
    "summary": "Give a device to another household",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/TransferRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Transfer approved",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "device_id": {
           "type": "string"
          },
          "to_household": {
           "type": "string"
          },
          "expires_at": {
           "type": "string",
           "format": "date-time"
          }
         },
         "required": [
          "device_id",
          "to_household",
          "expires_at"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/firmware/posture": {
   "get": {
    "operationId": "firmwarePosture",
    "summary": "The household's firmware rules and every device's verdict",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PostureOverview"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/firmware/posture/rules": {
   "put": {
    "operationId": "setPostureRule",
    "summary": "Set a minimum security version for the household, a zone or a model",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RuleRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PostureOverview"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "delete": {
    "operationId": "removePostureRule",
    "summary": "Remove a rule",
    "parameters": [
     {
      "name": "scope",
      "in": "query",
      "required": true,
      "description": "household, zone or model",
      "schema": {
       "type": "string",
       "enum": [
        "household",
        "zone",
        "model"
       ]
      }
     },
     {
      "name": "value",
      "in": "query",
      "required": false,
      "description": "the zone or model",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PostureOverview"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/firmware/releases": {
   "get": {
    "operationId": "listReleases",
    "summary": "The published releases",
    "parameters": [
     {
      "name": "model",
      "in": "query",
      "required": false,
      "description": "only this model's",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "releases": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Release"
           }
          }
         },
         "required": [
          "releases"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/households": {
   "get": {
    "operationId": "listHouseholds",
    "summary": "Every household (names, states, counts)",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "households": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/HouseholdSummary"
           }
          }
         },
         "required": [
          "households"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "createHousehold",
    "summary": "Create a household and its owner's invitation",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/HouseholdRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/HouseholdCreated"
        }
       }
      },
      "links": {
       "SuspendHousehold": {
        "operationId": "suspendHousehold",
        "parameters": {
         "id": "$response.body#/household/id"
        },
        "description": ""
       },
       "DeleteHousehold": {
        "operationId": "deleteHousehold",
        "parameters": {
         "id": "$response.body#/household/id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/households/{id}": {
   "delete": {
    "operationId": "deleteHousehold",
    "summary": "Delete a household: revoke, erase, redact",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/HouseholdDeleted"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/households/{id}/resume": {
   "post": {
    "operationId": "resumeHousehold",
    "summary": "Resume a suspended household",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/HouseholdSummary"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/households/{id}/suspend": {
   "post": {
    "operationId": "suspendHousehold",
    "summary": "Suspend a household",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/HouseholdSummary"
        }
       }
      },
      "links": {
       "ResumeHousehold": {
        "operationId": "resumeHousehold",
        "parameters": {
         "id": "$response.body#/id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub": {
   "get": {
    "operationId": "hubHealth",
    "summary": "The hub's health, as its operator sees it (counts only)",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/HubHealth"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/alerts": {
   "get": {
    "operationId": "listHubAlerts",
    "summary": "The hub-wide alerts",
    "parameters": [
     {
      "name": "open",
      "in": "query",
      "required": false,
      "description": "only unacknowledged ones",
      "schema": {
       "type": "string",
       "enum": [
        "true",
        "false"
       ]
      }
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "1 to 1000 (default 100)",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 1000
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "alerts": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Alert"
           }
          }
         },
         "required": [
          "alerts"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/alerts/webhook": {
   "get": {
    "operationId": "showHubWebhook",
    "summary": "Where the hub-wide alerts are posted, and the latest deliveries",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Webhook"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "put": {
    "operationId": "setHubWebhook",
    "summary": "Set where the hub-wide alerts are posted; the answer carries the signing secret, once",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/WebhookRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/WebhookConfigured"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "delete": {
    "operationId": "removeHubWebhook",
    "summary": "Stop posting the hub-wide alerts",
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/alerts/{id}/ack": {
   "post": {
    "operationId": "acknowledgeHubAlert",
    "summary": "Acknowledge a hub-wide alert",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Alert"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/campaigns": {
   "post": {
    "operationId": "startCampaign",
    "summary": "Start a staged rollout",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CampaignRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Started",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Campaign"
        }
       }
      },
      "links": {
       "ShowCampaign": {
        "operationId": "showCampaign",
        "parameters": {
         "id": "$response.body#/id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "get": {
    "operationId": "listCampaigns",
    "summary": "The rollouts",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "campaigns": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Campaign"
           }
          }
         },
         "required": [
          "campaigns"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/campaigns/{id}": {
   "get": {
    "operationId": "showCampaign",
    "summary": "One rollout",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Campaign"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/images/{sha256}": {
   "put": {
    "operationId": "uploadImage",
    "summary": "Upload a firmware image's bytes",
    "parameters": [
     {
      "name": "sha256",
      "in": "path",
      "required": true,
      "description": "the image's SHA-256, hex",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/octet-stream": {
       "schema": {
        "type": "string",
        "format": "binary"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Stored before",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StoredImage"
        }
       }
      }
     },
     "201": {
      "description": "Stored",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StoredImage"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/makers": {
   "get": {
    "operationId": "listMakers",
    "summary": "The firmware makers",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "makers": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Maker"
           }
          }
         },
         "required": [
          "makers"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "registerMaker",
    "summary": "Register a maker, its release keys and models",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/MakerRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Registered",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Maker"
        }
       }
      },
      "links": {
       "ChangeMaker": {
        "operationId": "changeMaker",
        "parameters": {
         "id": "$response.body#/id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/makers/{id}": {
   "patch": {
    "operationId": "changeMaker",
    "summary": "Add or remove a maker's keys, add models",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/MakerChangeRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Maker"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/makers/{id}/metadata": {
   "post": {
    "operationId": "publishMetadata",
    "summary": "Publish a maker's signed targets metadata (new releases)",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "description": "TUF signed targets metadata"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Published",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "published": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Release"
           }
          }
         },
         "required": [
          "published"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/releases/{model}/{version}/withdraw": {
   "post": {
    "operationId": "withdrawRelease",
    "summary": "Withdraw a release",
    "parameters": [
     {
      "name": "model",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "version",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/WithdrawRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Release"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/firmware/repository/rotate": {
   "post": {
    "operationId": "rotateRepositoryKey",
    "summary": "Rotate one of the repository's TUF role keys",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RotateRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "role": {
           "type": "string"
          },
          "key_id": {
           "type": "string"
          }
         },
         "required": [
          "role",
          "key_id"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/hub/risk": {
   "get": {
    "operationId": "hubRisk",
    "summary": "The hub-wide risk scores",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "risk": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Risk"
           }
          }
         },
         "required": [
          "risk"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/invitations/accept": {
   "post": {
    "operationId": "acceptInvitation",
    "summary": "Join a household with an invitation code",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AcceptRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Joined",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/InvitationAccepted"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   }
  },
  "/v1/me": {
   "get": {
    "operationId": "me",
    "summary": "The signed-in person, their household and memberships",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Me"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/me/password": {
   "post": {
    "operationId": "changePassword",
    "summary": "Change the signed-in person's password",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/PasswordChange"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/me/recovery-codes": {
   "post": {
    "operationId": "issueRecoveryCodes",
    "summary": "New account-recovery codes (the old ones stop working)",
    "responses": {
     "201": {
      "description": "Issued",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RecoveryCodes"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/me/second-factor": {
   "post": {
    "operationId": "beginSecondFactor",
    "summary": "Start enrolling a TOTP second factor (the secret is shown once)",
    "responses": {
     "201": {
      "description": "Started",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "secret": {
           "type": "string"
          },
          "otpauth_uri": {
           "type": "string"
          }
         },
         "required": [
          "secret",
          "otpauth_uri"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/me/second-factor/confirm": {
   "post": {
    "operationId": "confirmSecondFactor",
    "summary": "Confirm enrollment with a code from the authenticator",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CodeRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RecoveryCodes"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/me/second-factor/remove": {
   "post": {
    "operationId": "removeSecondFactor",
    "summary": "Remove the second factor (needs a current code)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CodeRequest"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/oauth/clients": {
   "post": {
    "operationId": "registerClient",
    "summary": "Register an OAuth client",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ClientRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Registered",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Client"
        }
       }
      },
      "links": {
       "RevokeClient": {
        "operationId": "revokeClient",
        "parameters": {
         "id": "$response.body#/client_id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "get": {
    "operationId": "listClients",
    "summary": "The household's OAuth clients",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "clients": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Client"
           }
          }
         },
         "required": [
          "clients"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "RevokeClient": {
        "operationId": "revokeClient",
        "parameters": {
         "id": "$response.body#/clients/0/client_id"
        },
        "description": "The first client listed"
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/oauth/clients/{id}": {
   "delete": {
    "operationId": "revokeClient",
    "summary": "Revoke a client and its grants",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/oauth/grants": {
   "get": {
    "operationId": "listGrants",
    "summary": "The grants the household's clients hold",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "grants": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Grant"
           }
          }
         },
         "required": [
          "grants"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "RevokeGrant": {
        "operationId": "revokeGrant",
        "parameters": {
         "id": "$response.body#/grants/0/id"
        },
        "description": "The first grant listed"
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/oauth/grants/{id}": {
   "delete": {
    "operationId": "revokeGrant",
    "summary": "Revoke a grant",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/openapi.json": {
   "get": {
    "operationId": "openapi",
    "summary": "This OpenAPI document",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "openapi",
          "info",
          "paths"
         ]
        }
       }
      }
     }
    },
    "security": []
   }
  },
  "/v1/pairing/approve": {
   "post": {
    "operationId": "approvePairing",
    "summary": "Approve a device's user code",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ApprovePairingRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "device_id": {
           "type": "string"
          },
          "serial": {
           "type": "string"
          }
         },
         "required": [
          "device_id",
          "serial"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pairing/attest": {
   "post": {
    "operationId": "pairWithAttestation",
    "summary": "An attested device pairs with its manufacturer's chain",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AttestationPairing"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Paired",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Paired"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   }
  },
  "/v1/pairing/attest/challenge": {
   "post": {
    "operationId": "attestationChallenge",
    "summary": "A challenge for an attested device to sign",
    "responses": {
     "201": {
      "description": "Issued",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "challenge": {
           "type": "string"
          },
          "expires_in": {
           "type": "integer"
          }
         },
         "required": [
          "challenge",
          "expires_in"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   }
  },
  "/v1/pairing/code": {
   "post": {
    "operationId": "startCodePairing",
    "summary": "A device starts pairing with a user code",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CodePairingStart"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Started",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "request_id": {
           "type": "string"
          },
          "poll_token": {
           "type": "string"
          },
          "user_code": {
           "type": "string"
          },
          "hub_nonce": {
           "type": "string"
          },
          "interval": {
           "type": "integer"
          },
          "expires_in": {
           "type": "integer"
          }
         },
         "required": [
          "request_id",
          "poll_token",
          "user_code",
          "hub_nonce",
          "interval",
          "expires_in"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   }
  },
  "/v1/pairing/code/poll": {
   "post": {
    "operationId": "pollCodePairing",
    "summary": "The device polls until an owner approves its code",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CodePairingPoll"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Paired"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   }
  },
  "/v1/pairing/deny": {
   "post": {
    "operationId": "denyPairing",
    "summary": "Deny a device's user code",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/DenyPairingRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "denied": {
           "const": true
          }
         },
         "required": [
          "denied"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pairing/expected": {
   "post": {
    "operationId": "expectDevice",
    "summary": "Expect a device: by its setup secret, or an attested device by its serial",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ExpectRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Expected",
      "content": {
       "application/json": {
        "schema": {
         "oneOf": [
          {
           "$ref": "#/components/schemas/Expectation"
          },
          {
           "type": "object",
           "properties": {
            "serial": {
             "type": "string"
            },
            "expires_at": {
             "type": "string",
             "format": "date-time"
            }
           },
           "required": [
            "serial",
            "expires_at"
           ],
           "additionalProperties": false
          }
         ]
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pairing/secret": {
   "post": {
    "operationId": "pairWithSecret",
    "summary": "A device pairs with the setup secret an owner expected",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SecretPairing"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Paired",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Paired"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   }
  },
  "/v1/pairing/transfer": {
   "post": {
    "operationId": "acceptTransfer",
    "summary": "Receive a device given by another household",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AcceptTransferRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Expected",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Expectation"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pairing/window": {
   "get": {
    "operationId": "pairingWindow",
    "summary": "Whether the household's pairing window is open",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PairingWindow"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "openPairingWindow",
    "summary": "Open the pairing window",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/WindowRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PairingWindow"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "delete": {
    "operationId": "closePairingWindow",
    "summary": "Close the pairing window",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PairingWindow"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/people": {
   "get": {
    "operationId": "listPeople",
    "summary": "The household's people",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "people": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Person"
           }
          }
         },
         "required": [
          "people"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "ChangeRole": {
        "operationId": "changeRole",
        "parameters": {
         "id": "$response.body#/people/1/id"
        },
        "description": "The second person listed (the first is the household's first owner)"
       },
       "TransferOwnership": {
        "operationId": "transferOwnership",
        "parameters": {
         "id": "$response.body#/people/1/id"
        },
        "description": "The second person listed (the first is the household's first owner)"
       },
       "RemovePerson": {
        "operationId": "removePerson",
        "parameters": {
         "id": "$response.body#/people/1/id"
        },
        "description": "The second person listed (the first is the household's first owner)"
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/people/invitations": {
   "post": {
    "operationId": "invitePerson",
    "summary": "Invite a person; the answer carries the code, once",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/InvitationRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Invited",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Invitation"
        }
       }
      },
      "links": {
       "RevokeInvitation": {
        "operationId": "revokeInvitation",
        "parameters": {
         "id": "$response.body#/id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "get": {
    "operationId": "listInvitations",
    "summary": "The household's invitations (never their codes)",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "invitations": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Invitation"
           }
          }
         },
         "required": [
          "invitations"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "RevokeInvitation": {
        "operationId": "revokeInvitation",
        "parameters": {
         "id": "$response.body#/invitations/0/id"
        },
        "description": "The first invitation listed"
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/people/invitations/{id}": {
   "delete": {
    "operationId": "revokeInvitation",
    "summary": "Revoke an open invitation",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/people/throttled": {
   "get": {
    "operationId": "throttledAccounts",
    "summary": "The household's accounts backed off after failed sign-ins",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "accounts": {
           "type": "array",
           "items": {
            "type": "object",
            "properties": {
             "email": {
              "type": "string"
             },
             "failures": {
              "type": "integer"
             },
             "retry_after": {
              "type": "integer"
             }
            },
            "required": [
             "email",
             "failures",
             "retry_after"
            ],
            "additionalProperties": false
           }
          }
         },
         "required": [
          "accounts"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/people/{id}": {
   "delete": {
    "operationId": "removePerson",
    "summary": "Remove a person from the household",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/people/{id}/ownership": {
   "post": {
    "operationId": "transferOwnership",
    "summary": "Hand ownership over to another person",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/people/{id}/role": {
   "post": {
    "operationId": "changeRole",
    "summary": "Change a person's role and access",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RoleRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Person"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pki/authorities": {
   "get": {
    "operationId": "authorities",
    "summary": "The root and the household's intermediate CAs",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "authorities": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Authority"
           }
          }
         },
         "required": [
          "authorities"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pki/ca": {
   "get": {
    "operationId": "caBundle",
    "summary": "The root and intermediate certificates, PEM",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/pem-certificate-chain": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    },
    "security": []
   }
  },
  "/v1/pki/certificates": {
   "get": {
    "operationId": "listCertificates",
    "summary": "The household's certificates, paged",
    "parameters": [
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "page size",
      "schema": {
       "type": "integer",
       "minimum": 1
      }
     },
     {
      "name": "cursor",
      "in": "query",
      "required": false,
      "description": "next_cursor of the previous page",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "status",
      "in": "query",
      "required": false,
      "description": "valid or revoked",
      "schema": {
       "type": "string",
       "enum": [
        "valid",
        "revoked"
       ]
      }
     },
     {
      "name": "device",
      "in": "query",
      "required": false,
      "description": "one device's",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "issuer",
      "in": "query",
      "required": false,
      "description": "one issuer's",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "expiring_within",
      "in": "query",
      "required": false,
      "description": "seconds, at most a hundred years",
      "schema": {
       "type": "integer",
       "minimum": 0,
       "maximum": 3155760000
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "certificates": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Certificate"
           }
          },
          "next_cursor": {
           "type": [
            "string",
            "null"
           ]
          }
         },
         "required": [
          "certificates",
          "next_cursor"
         ],
         "additionalProperties": false
        }
       }
      },
      "links": {
       "RevokeCertificate": {
        "operationId": "revokeCertificate",
        "parameters": {
         "serial": "$response.body#/certificates/0/serial"
        },
        "description": "The first certificate listed"
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "issueCertificate",
    "summary": "Issue a certificate from a CSR",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/IssueRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Issued",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Issued"
        }
       }
      },
      "links": {
       "RevokeCertificate": {
        "operationId": "revokeCertificate",
        "parameters": {
         "serial": "$response.body#/certificate/serial"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pki/certificates/{serial}/revoke": {
   "post": {
    "operationId": "revokeCertificate",
    "summary": "Revoke a certificate",
    "parameters": [
     {
      "name": "serial",
      "in": "path",
      "required": true,
      "description": "hex serial",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "certificates": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Certificate"
           }
          }
         },
         "required": [
          "certificates"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/pki/crl/{file}": {
   "get": {
    "operationId": "crl",
    "summary": "An issuer's CRL: <issuer id>.crl (DER) or .pem",
    "parameters": [
     {
      "name": "file",
      "in": "path",
      "required": true,
      "description": "<issuer id>.crl or <issuer id>.pem",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "The CRL",
      "content": {
       "application/pkix-crl": {
        "schema": {
         "type": "string",
         "format": "binary"
        }
       },
       "application/x-pem-file": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": []
   }
  },
  "/v1/pki/ocsp": {
   "post": {
    "operationId": "ocspPost",
    "summary": "RFC 6960 OCSP responder (DER request)",
    "requestBody": {
     "required": true,
     "content": {
      "application/ocsp-request": {
       "schema": {
        "type": "string",
        "format": "binary"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/ocsp-response": {
        "schema": {
         "type": "string",
         "format": "binary"
        }
       }
      }
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     }
    },
    "security": []
   }
  },
  "/v1/pki/ocsp/{request}": {
   "get": {
    "operationId": "ocspGet",
    "summary": "RFC 6960 appendix A.1 OCSP GET: the URL-encoded base64 request",
    "parameters": [
     {
      "name": "request",
      "in": "path",
      "required": true,
      "description": "the URL-encoded base64 DER OCSP request",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/ocsp-response": {
        "schema": {
         "type": "string",
         "format": "binary"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": []
   }
  },
  "/v1/privacy/consents": {
   "post": {
    "operationId": "grantConsent",
    "summary": "Consent to a flow reaching a recipient",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ConsentRequest"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/consents/withdraw": {
   "post": {
    "operationId": "withdrawConsent",
    "summary": "Withdraw a consent",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ConsentRequest"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/destinations": {
   "post": {
    "operationId": "addDestination",
    "summary": "Add a bridge destination (an MQTT broker outside)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/DestinationRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Added; no body",
      "links": {
       "RemoveDestination": {
        "operationId": "removeDestination",
        "parameters": {
         "name": "$request.body#/name"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/destinations/{name}": {
   "delete": {
    "operationId": "removeDestination",
    "summary": "Remove a bridge destination",
    "parameters": [
     {
      "name": "name",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/devices/{id}/model": {
   "put": {
    "operationId": "setDeviceModel",
    "summary": "Set (or clear) a device's model",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ModelRequest"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/erase": {
   "post": {
    "operationId": "eraseTelemetry",
    "summary": "Erase stored telemetry (of one device, or all)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EraseRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "erased": {
           "type": "integer",
           "minimum": 0
          }
         },
         "required": [
          "erased"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/export": {
   "get": {
    "operationId": "exportData",
    "summary": "Everything the hub holds about the household, as a zip archive",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/zip": {
        "schema": {
         "type": "string",
         "format": "binary"
        }
       }
      },
      "headers": {
       "Content-Disposition": {
        "schema": {
         "type": "string"
        },
        "description": "attachment; filename=\"hearth-export-<household>.zip\""
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/flows": {
   "post": {
    "operationId": "declareFlows",
    "summary": "Declare telemetry flows (a flow manifest) for a device or a model",
    "parameters": [
     {
      "name": "scope",
      "in": "query",
      "required": true,
      "description": "device:<id> or model:<name>",
      "schema": {
       "type": "string",
       "minLength": 1
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "description": "A flow manifest (docs/privacy.md)"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Declared",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/FlowsDeclared"
        }
       }
      },
      "links": {
       "RemoveFlow": {
        "operationId": "removeFlow",
        "parameters": {
         "scope": "$response.body#/scope",
         "name": "$response.body#/flows/0"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/flows/signed": {
   "post": {
    "operationId": "declareSignedFlows",
    "summary": "Declare a maker-signed flow manifest",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SignedFlowsRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Declared",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/FlowsDeclared"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/flows/{scope}/{name}": {
   "delete": {
    "operationId": "removeFlow",
    "summary": "Remove a declared flow",
    "parameters": [
     {
      "name": "scope",
      "in": "path",
      "required": true,
      "description": "device:<id> or model:<name>",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "name",
      "in": "path",
      "required": true,
      "description": "the flow's name",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/privacy/map": {
   "get": {
    "operationId": "privacyMap",
    "summary": "The household's data-flow map",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PrivacyMap"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/recovery": {
   "post": {
    "operationId": "recoverAccount",
    "summary": "Set a new password with a recovery code",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RecoveryRequest"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   }
  },
  "/v1/risk": {
   "get": {
    "operationId": "risk",
    "summary": "The household's risk scores",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "risk": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Risk"
           }
          }
         },
         "required": [
          "risk"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/session": {
   "post": {
    "operationId": "createSession",
    "summary": "Sign in: a session token for a household (or, with operator, the hub)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SignIn"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Signed in",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SessionCreated"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     }
    },
    "security": []
   },
   "delete": {
    "operationId": "endSession",
    "summary": "Sign out: the session token stops working",
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/witness/add-checkpoint": {
   "post": {
    "operationId": "witnessAddCheckpoint",
    "summary": "C2SP tlog-witness: cosign a checkpoint that extends what this witness saw",
    "requestBody": {
     "required": true,
     "content": {
      "text/plain": {
       "schema": {
        "type": "string"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The cosignature line",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "400": {
      "description": "Malformed request",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "403": {
      "description": "Bad signature or unknown key",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "description": "This witness does not witness the log",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "409": {
      "description": "The size this witness has",
      "content": {
       "text/x.tlog.size": {
        "schema": {
         "type": "string",
         "pattern": "^[0-9]+\\n$"
        }
       }
      }
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "422": {
      "description": "The consistency proof does not verify",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    },
    "security": []
   }
  },
  "/v1/integrations": {
   "post": {
    "operationId": "registerIntegration",
    "summary": "Register an integration (Home Assistant) and issue its client certificate",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/IntegrationRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Registered; the private key (when the hub made it) is shown this once",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RegisteredIntegration"
        }
       }
      },
      "links": {
       "RevokeIntegration": {
        "operationId": "revokeIntegration",
        "parameters": {
         "id": "$response.body#/integration/id"
        },
        "description": ""
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "get": {
    "operationId": "listIntegrations",
    "summary": "The household's integrations",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "integrations": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Integration"
           }
          }
         },
         "required": [
          "integrations"
         ],
         "additionalProperties": false
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/integrations/{id}": {
   "delete": {
    "operationId": "revokeIntegration",
    "summary": "Revoke an integration: its grant and certificate",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "204": {
      "description": "Done; no body"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/v1/integrations/{id}/renew": {
   "post": {
    "operationId": "renewIntegration",
    "summary": "A new certificate for a live integration; its grant extended to the certificate's end",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/IntegrationRenewal"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Renewed; the private key (when the hub made it) is shown this once",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RegisteredIntegration"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Unprocessable"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  }
 },
 "components": {
  "schemas": {
   "Problem": {
    "type": "object",
    "properties": {
     "type": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "status": {
      "type": "integer",
      "minimum": 400,
      "maximum": 599
     },
     "detail": {
      "type": "string"
     },
     "instance": {
      "type": "string"
     },
     "code": {
      "type": "string"
     },
     "request_id": {
      "type": "string"
     }
    },
    "required": [
     "code",
     "detail",
     "instance",
     "request_id",
     "status",
     "title",
     "type"
    ],
    "additionalProperties": false
   },
   "OAuthError": {
    "type": "object",
    "properties": {
     "error": {
      "type": "string"
     },
     "error_description": {
      "type": "string"
     }
    },
    "required": [
     "error",
     "error_description"
    ],
    "additionalProperties": false
   },
   "Access": {
    "type": "object",
    "properties": {
     "zones": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "devices": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "starts_at": {
      "type": "string"
     },
     "until": {
      "type": "string"
     },
     "days": {
      "type": "string"
     },
     "hours": {
      "type": "string"
     },
     "time_zone": {
      "type": "string"
     }
    },
    "required": [],
    "additionalProperties": false
   },
   "Person": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "owner",
       "member",
       "guest"
      ]
     },
     "household_id": {
      "type": "string"
     },
     "access": {
      "$ref": "#/components/schemas/Access"
     },
     "must_change_password": {
      "type": "boolean"
     },
     "hub_operator": {
      "type": "boolean"
     }
    },
    "required": [
     "email",
     "hub_operator",
     "id",
     "must_change_password"
    ],
    "additionalProperties": false
   },
   "Membership": {
    "type": "object",
    "properties": {
     "household_id": {
      "type": "string"
     },
     "household_name": {
      "type": "string"
     },
     "role": {
      "type": "string"
     }
    },
    "required": [
     "household_id",
     "household_name",
     "role"
    ],
    "additionalProperties": false
   },
   "Me": {
    "type": "object",
    "properties": {
     "person": {
      "$ref": "#/components/schemas/Person"
     },
     "household": {
      "type": "object",
      "properties": {
       "id": {
        "type": "string"
       },
       "name": {
        "type": "string"
       },
       "zones": {
        "type": "array",
        "items": {
         "type": "string"
        }
       }
      },
      "required": [
       "id",
       "name",
       "zones"
      ],
      "additionalProperties": false
     },
     "households": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Membership"
      }
     }
    },
    "required": [
     "households",
     "person"
    ],
    "additionalProperties": false
   },
   "SessionCreated": {
    "type": "object",
    "properties": {
     "token": {
      "type": "string"
     },
     "token_type": {
      "const": "Bearer"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     },
     "expires_in": {
      "type": "integer"
     },
     "person": {
      "$ref": "#/components/schemas/Person"
     },
     "device_cookie": {
      "type": "string"
     }
    },
    "required": [
     "device_cookie",
     "expires_at",
     "expires_in",
     "person",
     "token",
     "token_type"
    ],
    "additionalProperties": false
   },
   "Invitation": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "role": {
      "type": "string"
     },
     "access": {
      "$ref": "#/components/schemas/Access"
     },
     "status": {
      "type": "string"
     },
     "invited_by": {
      "type": "string"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     },
     "code": {
      "type": "string"
     }
    },
    "required": [
     "created_at",
     "expires_at",
     "id",
     "invited_by",
     "role",
     "status"
    ],
    "additionalProperties": false
   },
   "InvitationAccepted": {
    "type": "object",
    "properties": {
     "person": {
      "$ref": "#/components/schemas/Person"
     },
     "new_account": {
      "type": "boolean"
     },
     "recovery_codes": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "new_account",
     "person"
    ],
    "additionalProperties": false
   },
   "RecoveryCodes": {
    "type": "object",
    "properties": {
     "recovery_codes": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "recovery_codes"
    ],
    "additionalProperties": false
   },
   "HouseholdSummary": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "state": {
      "type": "string",
      "enum": [
       "active",
       "suspended"
      ]
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "people": {
      "type": "integer"
     },
     "devices": {
      "type": "integer"
     }
    },
    "required": [
     "created_at",
     "id",
     "name",
     "state"
    ],
    "additionalProperties": false
   },
   "HouseholdCreated": {
    "type": "object",
    "properties": {
     "household": {
      "$ref": "#/components/schemas/HouseholdSummary"
     },
     "owner_invitation": {
      "$ref": "#/components/schemas/Invitation"
     }
    },
    "required": [
     "household",
     "owner_invitation"
    ],
    "additionalProperties": false
   },
   "HouseholdDeleted": {
    "type": "object",
    "properties": {
     "certificates_revoked": {
      "type": "integer"
     },
     "tokens_revoked": {
      "type": "integer"
     },
     "people_erased": {
      "type": "integer"
     },
     "audit_entries_redacted": {
      "type": "integer"
     }
    },
    "required": [
     "audit_entries_redacted",
     "certificates_revoked",
     "people_erased",
     "tokens_revoked"
    ],
    "additionalProperties": false
   },
   "HubHealth": {
    "type": "object",
    "properties": {
     "database": {
      "type": "string"
     },
     "schema_version": {
      "type": "integer"
     },
     "households": {
      "type": "object",
      "additionalProperties": {
       "type": "integer"
      }
     },
     "people": {
      "type": "integer"
     },
     "devices": {
      "type": "integer"
     },
     "live_sessions": {
      "type": "integer"
     },
     "audit_entries": {
      "type": "integer"
     },
     "last_checkpoint": {
      "type": "integer"
     }
    },
    "required": [
     "audit_entries",
     "database",
     "devices",
     "households",
     "live_sessions",
     "people",
     "schema_version"
    ],
    "additionalProperties": false
   },
   "Alert": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "household": {
      "type": [
       "string",
       "null"
      ]
     },
     "kind": {
      "type": "string"
     },
     "suspect": {
      "type": "string"
     },
     "severity": {
      "type": "string"
     },
     "summary": {
      "type": "string"
     },
     "evidence": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      }
     },
     "actions": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "raised_at": {
      "type": "string",
      "format": "date-time"
     },
     "updated_at": {
      "type": "string",
      "format": "date-time"
     },
     "acknowledged_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "acknowledged_by": {
      "type": [
       "string",
       "null"
      ]
     }
    },
    "required": [
     "acknowledged_at",
     "acknowledged_by",
     "actions",
     "evidence",
     "household",
     "id",
     "kind",
     "raised_at",
     "severity",
     "summary",
     "suspect",
     "updated_at"
    ],
    "additionalProperties": false
   },
   "HeldCommand": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "alert": {
      "type": "string"
     },
     "commander": {
      "type": "string"
     },
     "device": {
      "type": "string"
     },
     "topic": {
      "type": "string"
     },
     "state": {
      "type": "string"
     },
     "held_at": {
      "type": "string",
      "format": "date-time"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     },
     "decided_at": {
      "type": "string",
      "format": "date-time"
     },
     "decided_by": {
      "type": "string"
     }
    },
    "required": [
     "alert",
     "commander",
     "device",
     "expires_at",
     "held_at",
     "id",
     "state",
     "topic"
    ],
    "additionalProperties": false
   },
   "Risk": {
    "type": "object",
    "properties": {
     "suspect": {
      "type": "string"
     },
     "score": {
      "type": "integer"
     },
     "causes": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "kind": {
         "type": "string"
        },
        "severity": {
         "type": "string"
        },
        "summary": {
         "type": "string"
        },
        "at": {
         "type": "string",
         "format": "date-time"
        },
        "weight": {
         "type": "number"
        }
       },
       "required": [
        "at",
        "kind",
        "severity",
        "summary",
        "weight"
       ],
       "additionalProperties": false
      }
     }
    },
    "required": [
     "causes",
     "score",
     "suspect"
    ],
    "additionalProperties": false
   },
   "CheckupFinding": {
    "type": "object",
    "properties": {
     "check": {
      "type": "string"
     },
     "severity": {
      "type": "string"
     },
     "subject": {
      "type": "string"
     },
     "detail": {
      "type": "string"
     },
     "fix": {
      "type": "string"
     }
    },
    "required": [
     "check",
     "detail",
     "fix",
     "severity",
     "subject"
    ],
    "additionalProperties": false
   },
   "WebhookDelivery": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "alert_id": {
      "type": "string"
     },
     "event": {
      "type": "string"
     },
     "state": {
      "type": "string",
      "enum": [
       "pending",
       "delivered",
       "failed"
      ]
     },
     "attempts": {
      "type": "integer"
     },
     "next_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "last_status": {
      "type": [
       "integer",
       "null"
      ]
     },
     "last_error": {
      "type": [
       "string",
       "null"
      ]
     }
    },
    "required": [
     "alert_id",
     "attempts",
     "event",
     "id",
     "last_error",
     "last_status",
     "next_at",
     "state"
    ],
    "additionalProperties": false
   },
   "Webhook": {
    "type": "object",
    "properties": {
     "url": {
      "type": "string"
     },
     "trust_roots": {
      "description": "The private CA the receiver's certificate must chain to; null: the system's roots.",
      "type": [
       "array",
       "null"
      ],
      "items": {
       "$ref": "#/components/schemas/WebhookTrustRoot"
      }
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "created_by": {
      "type": "string"
     },
     "deliveries": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/WebhookDelivery"
      }
     }
    },
    "required": [
     "created_at",
     "created_by",
     "deliveries",
     "trust_roots",
     "url"
    ],
    "additionalProperties": false
   },
   "WebhookTrustRoot": {
    "type": "object",
    "properties": {
     "subject": {
      "type": "string"
     },
     "sha256": {
      "description": "Hex SHA-256 of the certificate's DER.",
      "type": "string"
     },
     "not_after": {
      "type": "string",
      "format": "date-time"
     }
    },
    "required": [
     "not_after",
     "sha256",
     "subject"
    ],
    "additionalProperties": false
   },
   "WebhookConfigured": {
    "type": "object",
    "properties": {
     "webhook": {
      "$ref": "#/components/schemas/Webhook"
     },
     "secret": {
      "type": "string"
     }
    },
    "required": [
     "secret",
     "webhook"
    ],
    "additionalProperties": false
   },
   "Certificate": {
    "type": "object",
    "properties": {
     "serial": {
      "type": "string"
     },
     "issuer": {
      "type": "string"
     },
     "device": {
      "type": [
       "string",
       "null"
      ]
     },
     "zone": {
      "type": "string"
     },
     "profile": {
      "type": "string"
     },
     "uri": {
      "type": [
       "string",
       "null"
      ]
     },
     "status": {
      "type": "string",
      "enum": [
       "valid",
       "revoked"
      ]
     },
     "key_fingerprint": {
      "type": "string"
     },
     "not_before": {
      "type": "string",
      "format": "date-time"
     },
     "not_after": {
      "type": "string",
      "format": "date-time"
     },
     "revoked_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "revocation_reason": {
      "type": [
       "string",
       "null"
      ]
     },
     "issued_audit_index": {
      "type": [
       "integer",
       "null"
      ]
     },
     "revoked_audit_index": {
      "type": [
       "integer",
       "null"
      ]
     },
     "renewed_from": {
      "type": [
       "string",
       "null"
      ]
     },
     "origin": {
      "type": "string"
     }
    },
    "required": [
     "device",
     "issued_audit_index",
     "issuer",
     "key_fingerprint",
     "not_after",
     "not_before",
     "origin",
     "profile",
     "renewed_from",
     "revocation_reason",
     "revoked_at",
     "revoked_audit_index",
     "serial",
     "status",
     "uri",
     "zone"
    ],
    "additionalProperties": false
   },
   "Issued": {
    "type": "object",
    "properties": {
     "certificate": {
      "$ref": "#/components/schemas/Certificate"
     },
     "chain_pem": {
      "type": "string"
     }
    },
    "required": [
     "certificate",
     "chain_pem"
    ],
    "additionalProperties": false
   },
   "Authority": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "root",
       "intermediate"
      ]
     },
     "zone": {
      "type": [
       "string",
       "null"
      ]
     },
     "state": {
      "type": "string"
     },
     "subject": {
      "type": "string"
     },
     "not_after": {
      "type": "string",
      "format": "date-time"
     },
     "crl_path": {
      "type": "string"
     }
    },
    "required": [
     "crl_path",
     "id",
     "not_after",
     "role",
     "state",
     "subject",
     "zone"
    ],
    "additionalProperties": false
   },
   "Device": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "zone": {
      "type": "string"
     },
     "state": {
      "type": "string"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "updated_at": {
      "type": "string",
      "format": "date-time"
     },
     "last_seen_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "certificate_status": {
      "type": "string"
     },
     "certificate": {
      "anyOf": [
       {
        "$ref": "#/components/schemas/Certificate"
       },
       {
        "type": "null"
       }
      ]
     },
     "renew_after": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "certificates": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Certificate"
      }
     }
    },
    "required": [
     "certificate",
     "certificate_status",
     "created_at",
     "id",
     "last_seen_at",
     "name",
     "renew_after",
     "state",
     "updated_at",
     "zone"
    ],
    "additionalProperties": false
   },
   "FirmwareReport": {
    "type": "object",
    "properties": {
     "model": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "security_version": {
      "type": "integer",
      "minimum": 0
     },
     "sha256": {
      "type": "string"
     }
    },
    "required": [
     "model",
     "security_version",
     "version"
    ],
    "additionalProperties": false
   },
   "UpdateOffer": {
    "type": "object",
    "properties": {
     "campaign": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "security_version": {
      "type": "integer"
     },
     "path": {
      "type": "string"
     },
     "sha256": {
      "type": "string"
     },
     "rollback": {
      "type": "boolean"
     }
    },
    "required": [
     "campaign",
     "path",
     "rollback",
     "security_version",
     "sha256",
     "version"
    ],
    "additionalProperties": false
   },
   "Paired": {
    "type": "object",
    "properties": {
     "device_id": {
      "type": [
       "string",
       "null"
      ]
     },
     "chain_pem": {
      "type": "string"
     },
     "root_pem": {
      "type": "string"
     },
     "certificate": {
      "$ref": "#/components/schemas/Certificate"
     },
     "hub_proof": {
      "type": "string"
     }
    },
    "required": [
     "certificate",
     "chain_pem",
     "device_id",
     "root_pem"
    ],
    "additionalProperties": false
   },
   "PairingWindow": {
    "type": "object",
    "properties": {
     "open": {
      "type": "boolean"
     },
     "closes_at": {
      "type": "string",
      "format": "date-time"
     }
    },
    "required": [
     "open"
    ],
    "additionalProperties": false
   },
   "Expectation": {
    "type": "object",
    "properties": {
     "expectation_id": {
      "type": "string"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     }
    },
    "required": [
     "expectation_id",
     "expires_at"
    ],
    "additionalProperties": false
   },
   "Client": {
    "type": "object",
    "properties": {
     "client_id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "token_endpoint_auth_method": {
      "type": "string",
      "enum": [
       "none",
       "private_key_jwt",
       "tls_client_auth"
      ]
     },
     "redirect_uris": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "grant_types": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "scope": {
      "type": "string"
     },
     "device_id": {
      "type": "string"
     },
     "tls_client_auth_san_uri": {
      "type": "string"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "revoked_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     }
    },
    "required": [
     "client_id",
     "created_at",
     "grant_types",
     "name",
     "redirect_uris",
     "revoked_at",
     "scope",
     "token_endpoint_auth_method"
    ],
    "additionalProperties": false
   },
   "Grant": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "client_id": {
      "type": "string"
     },
     "client_name": {
      "type": [
       "string",
       "null"
      ]
     },
     "subject": {
      "type": "string"
     },
     "scope": {
      "type": "string"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "last_used_at": {
      "type": "string",
      "format": "date-time"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     },
     "second_factor": {
      "type": "boolean"
     }
    },
    "required": [
     "client_id",
     "client_name",
     "created_at",
     "expires_at",
     "id",
     "last_used_at",
     "scope",
     "second_factor",
     "subject"
    ],
    "additionalProperties": false
   },
   "Recipient": {
    "type": "object",
    "properties": {
     "recipient": {
      "type": "string"
     },
     "consent_needed": {
      "type": "boolean"
     },
     "consented": {
      "type": "boolean"
     },
     "open": {
      "type": "boolean"
     }
    },
    "required": [
     "consent_needed",
     "consented",
     "open",
     "recipient"
    ],
    "additionalProperties": false
   },
   "Flow": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "scope": {
      "type": "string"
     },
     "class": {
      "type": "string"
     },
     "sensitive": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "purpose": {
      "type": "string"
     },
     "retention_seconds": {
      "type": "integer"
     },
     "recipients": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Recipient"
      }
     }
    },
    "required": [
     "class",
     "name",
     "purpose",
     "recipients",
     "retention_seconds",
     "scope",
     "sensitive"
    ],
    "additionalProperties": false
   },
   "PrivacyMap": {
    "type": "object",
    "properties": {
     "devices": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "id": {
         "type": "string"
        },
        "name": {
         "type": "string"
        },
        "model": {
         "type": "string"
        },
        "flows": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Flow"
         }
        }
       },
       "required": [
        "flows",
        "id",
        "name"
       ],
       "additionalProperties": false
      }
     },
     "destinations": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "name": {
         "type": "string"
        },
        "host": {
         "type": "string"
        },
        "port": {
         "type": "integer"
        },
        "topic_prefix": {
         "type": "string"
        },
        "connected": {
         "type": "boolean"
        },
        "last_error": {
         "type": "string"
        }
       },
       "required": [
        "connected",
        "host",
        "name",
        "port",
        "topic_prefix"
       ],
       "additionalProperties": false
      }
     },
     "unused_models": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "destinations",
     "devices",
     "unused_models"
    ],
    "additionalProperties": false
   },
   "FlowsDeclared": {
    "type": "object",
    "properties": {
     "scope": {
      "type": "string"
     },
     "flows": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "flows",
     "scope"
    ],
    "additionalProperties": false
   },
   "AuditEntry": {
    "type": "object",
    "properties": {
     "index": {
      "type": "integer"
     },
     "time": {
      "type": "string",
      "format": "date-time"
     },
     "time_ms": {
      "type": "integer"
     },
     "household_id": {
      "type": [
       "string",
       "null"
      ]
     },
     "actor": {
      "type": "string"
     },
     "action": {
      "type": "string"
     },
     "subject": {
      "type": "string"
     },
     "reason": {
      "type": "string"
     },
     "details": {
      "type": [
       "object",
       "null"
      ],
      "additionalProperties": {
       "type": "string"
      }
     },
     "details_salt": {
      "type": [
       "string",
       "null"
      ]
     },
     "details_commitment": {
      "type": "string"
     },
     "redacted_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "leaf_hash": {
      "type": "string"
     }
    },
    "required": [
     "action",
     "actor",
     "details",
     "details_commitment",
     "details_salt",
     "household_id",
     "index",
     "leaf_hash",
     "reason",
     "redacted_at",
     "subject",
     "time",
     "time_ms"
    ],
    "additionalProperties": false
   },
   "AuditCheckpoint": {
    "type": "object",
    "properties": {
     "size": {
      "type": "integer"
     },
     "root_hash": {
      "type": "string"
     },
     "time": {
      "type": "string",
      "format": "date-time"
     },
     "note": {
      "type": "string"
     },
     "key": {
      "type": "string"
     }
    },
    "required": [
     "key",
     "note",
     "root_hash",
     "size",
     "time"
    ],
    "additionalProperties": false
   },
   "InclusionProof": {
    "type": "object",
    "properties": {
     "index": {
      "type": "integer"
     },
     "size": {
      "type": "integer"
     },
     "leaf_hash": {
      "type": "string"
     },
     "audit_path": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "checkpoint": {
      "type": [
       "string",
       "null"
      ]
     }
    },
    "required": [
     "audit_path",
     "checkpoint",
     "index",
     "leaf_hash",
     "size"
    ],
    "additionalProperties": false
   },
   "ConsistencyProof": {
    "type": "object",
    "properties": {
     "from": {
      "type": "integer"
     },
     "to": {
      "type": "integer"
     },
     "consistency_path": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "consistency_path",
     "from",
     "to"
    ],
    "additionalProperties": false
   },
   "Maker": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "role": {
      "type": "string"
     },
     "threshold": {
      "type": "integer"
     },
     "key_ids": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "models": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "id",
     "key_ids",
     "models",
     "name",
     "role",
     "threshold"
    ],
    "additionalProperties": false
   },
   "Release": {
    "type": "object",
    "properties": {
     "path": {
      "type": "string"
     },
     "maker": {
      "type": "string"
     },
     "model": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "security_version": {
      "type": "integer"
     },
     "sha256": {
      "type": "string"
     },
     "length": {
      "type": "integer"
     },
     "notes": {
      "type": "string"
     },
     "min_hub_version": {
      "type": [
       "string",
       "null"
      ]
     },
     "published_at": {
      "type": "string",
      "format": "date-time"
     },
     "withdrawn_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "withdrawn_reason": {
      "type": [
       "string",
       "null"
      ]
     }
    },
    "required": [
     "length",
     "maker",
     "min_hub_version",
     "model",
     "notes",
     "path",
     "published_at",
     "security_version",
     "sha256",
     "version",
     "withdrawn_at",
     "withdrawn_reason"
    ],
    "additionalProperties": false
   },
   "Campaign": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "model": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "security_version": {
      "type": "integer"
     },
     "rollback_to": {
      "type": "string"
     },
     "phase": {
      "type": "string"
     },
     "reason": {
      "type": "string"
     },
     "cohort": {
      "type": "integer"
     },
     "cohorts": {
      "type": "array",
      "items": {
       "type": "number"
      }
     },
     "devices": {
      "type": "object",
      "additionalProperties": {
       "type": "integer"
      }
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "created_by": {
      "type": "string"
     }
    },
    "required": [
     "cohorts",
     "created_at",
     "created_by",
     "devices",
     "id",
     "model",
     "phase",
     "security_version",
     "version"
    ],
    "additionalProperties": false
   },
   "StoredImage": {
    "type": "object",
    "properties": {
     "sha256": {
      "type": "string"
     },
     "length": {
      "type": "integer"
     },
     "created": {
      "type": "boolean"
     }
    },
    "required": [
     "created",
     "length",
     "sha256"
    ],
    "additionalProperties": false
   },
   "PostureRule": {
    "type": "object",
    "properties": {
     "scope": {
      "type": "string",
      "enum": [
       "household",
       "zone",
       "model"
      ]
     },
     "value": {
      "type": "string"
     },
     "minimum_security_version": {
      "type": "integer"
     },
     "restriction": {
      "type": "string",
      "enum": [
       "update-only",
       "quarantine"
      ]
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "created_by": {
      "type": "string"
     }
    },
    "required": [
     "created_at",
     "created_by",
     "minimum_security_version",
     "restriction",
     "scope"
    ],
    "additionalProperties": false
   },
   "PostureOverview": {
    "type": "object",
    "properties": {
     "rules": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/PostureRule"
      }
     },
     "devices": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "device": {
         "type": "string"
        },
        "name": {
         "type": "string"
        },
        "zone": {
         "type": "string"
        },
        "posture": {
         "type": "string"
        },
        "reason": {
         "type": "string"
        },
        "firmware": {
         "type": "object",
         "properties": {
          "model": {
           "type": "string"
          },
          "version": {
           "type": "string"
          },
          "security_version": {
           "type": "integer"
          },
          "sha256": {
           "type": "string"
          },
          "source": {
           "type": "string"
          },
          "reported_at": {
           "type": "string",
           "format": "date-time"
          }
         },
         "required": [
          "model",
          "reported_at",
          "security_version",
          "source",
          "version"
         ],
         "additionalProperties": false
        }
       },
       "required": [
        "device",
        "name",
        "posture",
        "zone"
       ],
       "additionalProperties": false
      }
     }
    },
    "required": [
     "devices",
     "rules"
    ],
    "additionalProperties": false
   },
   "Token": {
    "type": "object",
    "properties": {
     "access_token": {
      "type": "string"
     },
     "token_type": {
      "type": "string",
      "enum": [
       "Bearer",
       "DPoP"
      ]
     },
     "expires_in": {
      "type": "integer"
     },
     "scope": {
      "type": "string"
     },
     "refresh_token": {
      "type": "string"
     },
     "issued_token_type": {
      "type": "string"
     }
    },
    "required": [
     "access_token",
     "expires_in",
     "scope",
     "token_type"
    ],
    "additionalProperties": false
   },
   "DeviceAuthorization": {
    "type": "object",
    "properties": {
     "device_code": {
      "type": "string"
     },
     "user_code": {
      "type": "string"
     },
     "verification_uri": {
      "type": "string"
     },
     "verification_uri_complete": {
      "type": "string"
     },
     "expires_in": {
      "type": "integer"
     },
     "interval": {
      "type": "integer"
     }
    },
    "required": [
     "device_code",
     "expires_in",
     "interval",
     "user_code",
     "verification_uri",
     "verification_uri_complete"
    ],
    "additionalProperties": false
   },
   "Introspection": {
    "oneOf": [
     {
      "type": "object",
      "properties": {
       "active": {
        "const": false
       }
      },
      "required": [
       "active"
      ],
      "additionalProperties": false
     },
     {
      "type": "object",
      "properties": {
       "active": {
        "const": true
       },
       "client_id": {
        "type": "string"
       },
       "scope": {
        "type": "string"
       },
       "exp": {
        "type": "integer"
       },
       "token_type": {
        "const": "refresh_token"
       }
      },
      "required": [
       "active",
       "client_id",
       "exp",
       "scope",
       "token_type"
      ],
      "additionalProperties": false
     },
     {
      "type": "object",
      "properties": {
       "active": {
        "const": true
       },
       "token_type": {
        "type": "string",
        "enum": [
         "Bearer",
         "DPoP"
        ]
       },
       "iss": {
        "type": "string"
       },
       "sub": {
        "type": "string"
       },
       "aud": {
        "type": "string"
       },
       "client_id": {
        "type": "string"
       },
       "scope": {
        "type": "string"
       },
       "jti": {
        "type": "string"
       },
       "iat": {
        "type": "integer"
       },
       "exp": {
        "type": "integer"
       },
       "cnf": {
        "type": "object",
        "properties": {
         "jkt": {
          "type": "string"
         },
         "x5t#S256": {
          "type": "string"
         }
        },
        "required": [],
        "additionalProperties": false
       },
       "act": {
        "type": "object",
        "properties": {
         "sub": {
          "type": "string"
         }
        },
        "required": [
         "sub"
        ],
        "additionalProperties": false
       },
       "auth_time": {
        "type": "integer"
       },
       "acr": {
        "type": "string"
       }
      },
      "required": [
       "active",
       "aud",
       "client_id",
       "exp",
       "iat",
       "iss",
       "jti",
       "scope",
       "sub",
       "token_type"
      ],
      "additionalProperties": false
     }
    ]
   },
   "JWKSet": {
    "type": "object",
    "properties": {
     "keys": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "kty": {
         "const": "EC"
        },
        "crv": {
         "const": "P-256"
        },
        "x": {
         "type": "string"
        },
        "y": {
         "type": "string"
        },
        "kid": {
         "type": "string"
        },
        "use": {
         "type": "string"
        },
        "alg": {
         "type": "string"
        }
       },
       "required": [
        "alg",
        "crv",
        "kid",
        "kty",
        "use",
        "x",
        "y"
       ],
       "additionalProperties": false
      }
     }
    },
    "required": [
     "keys"
    ],
    "additionalProperties": false
   },
   "ServerMetadata": {
    "type": "object",
    "properties": {
     "issuer": {
      "type": "string"
     },
     "authorization_endpoint": {
      "type": "string"
     },
     "token_endpoint": {
      "type": "string"
     },
     "device_authorization_endpoint": {
      "type": "string"
     },
     "introspection_endpoint": {
      "type": "string"
     },
     "revocation_endpoint": {
      "type": "string"
     },
     "jwks_uri": {
      "type": "string"
     },
     "response_types_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "response_modes_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "grant_types_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "code_challenge_methods_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "token_endpoint_auth_methods_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "token_endpoint_auth_signing_alg_values_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "introspection_endpoint_auth_methods_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "revocation_endpoint_auth_methods_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "dpop_signing_alg_values_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "scopes_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "access_token_signing_alg_values_supported": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "request_parameter_supported": {
      "type": "boolean"
     },
     "request_uri_parameter_supported": {
      "type": "boolean"
     },
     "tls_client_certificate_bound_access_tokens": {
      "type": "boolean"
     },
     "authorization_response_iss_parameter_supported": {
      "type": "boolean"
     }
    },
    "required": [
     "access_token_signing_alg_values_supported",
     "authorization_endpoint",
     "authorization_response_iss_parameter_supported",
     "code_challenge_methods_supported",
     "device_authorization_endpoint",
     "dpop_signing_alg_values_supported",
     "grant_types_supported",
     "introspection_endpoint",
     "introspection_endpoint_auth_methods_supported",
     "issuer",
     "jwks_uri",
     "request_parameter_supported",
     "request_uri_parameter_supported",
     "response_modes_supported",
     "response_types_supported",
     "revocation_endpoint",
     "revocation_endpoint_auth_methods_supported",
     "scopes_supported",
     "tls_client_certificate_bound_access_tokens",
     "token_endpoint",
     "token_endpoint_auth_methods_supported",
     "token_endpoint_auth_signing_alg_values_supported"
    ],
    "additionalProperties": false
   },
   "Status": {
    "type": "object",
    "properties": {
     "status": {
      "type": "string"
     },
     "database": {
      "type": "string"
     }
    },
    "required": [
     "status"
    ],
    "additionalProperties": false
   },
   "SignIn": {
    "type": "object",
    "properties": {
     "email": {
      "type": "string"
     },
     "password": {
      "type": "string"
     },
     "totp": {
      "type": "string"
     },
     "device_cookie": {
      "type": "string"
     },
     "household": {
      "type": "string"
     },
     "operator": {
      "type": "boolean"
     }
    },
    "required": [
     "email",
     "password"
    ]
   },
   "PasswordChange": {
    "type": "object",
    "properties": {
     "current_password": {
      "type": "string"
     },
     "new_password": {
      "type": "string"
     }
    },
    "required": [
     "current_password",
     "new_password"
    ]
   },
   "RecoveryRequest": {
    "type": "object",
    "properties": {
     "email": {
      "type": "string"
     },
     "code": {
      "type": "string"
     },
     "new_password": {
      "type": "string"
     }
    },
    "required": [
     "code",
     "email",
     "new_password"
    ]
   },
   "InvitationRequest": {
    "type": "object",
    "properties": {
     "email": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "owner",
       "member",
       "guest"
      ]
     },
     "access": {
      "$ref": "#/components/schemas/Access"
     },
     "expires_in": {
      "type": "integer"
     }
    },
    "required": [
     "role"
    ]
   },
   "AcceptRequest": {
    "type": "object",
    "properties": {
     "code": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "password": {
      "type": "string"
     },
     "totp": {
      "type": "string"
     },
     "device_cookie": {
      "type": "string"
     }
    },
    "required": [
     "code",
     "email",
     "password"
    ]
   },
   "RoleRequest": {
    "type": "object",
    "properties": {
     "role": {
      "type": "string",
      "enum": [
       "owner",
       "member",
       "guest"
      ]
     },
     "access": {
      "$ref": "#/components/schemas/Access"
     }
    },
    "required": [
     "role"
    ]
   },
   "HouseholdRequest": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "owner_email": {
      "type": "string"
     }
    },
    "required": [
     "name"
    ]
   },
   "ReasonRequest": {
    "type": "object",
    "properties": {
     "reason": {
      "type": "string"
     }
    },
    "required": []
   },
   "MoveRequest": {
    "type": "object",
    "properties": {
     "zone": {
      "type": "string"
     }
    },
    "required": [
     "zone"
    ]
   },
   "ClaimRequest": {
    "type": "object",
    "properties": {
     "zone": {
      "type": "string"
     },
     "name": {
      "type": "string"
     }
    },
    "required": [
     "zone"
    ]
   },
   "RenewRequest": {
    "type": "object",
    "properties": {
     "csr": {
      "type": "string"
     },
     "firmware": {
      "$ref": "#/components/schemas/FirmwareReport"
     }
    },
    "required": [
     "csr"
    ]
   },
   "IssueRequest": {
    "type": "object",
    "properties": {
     "csr": {
      "type": "string"
     },
     "profile": {
      "type": "string"
     },
     "device_id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "zone": {
      "type": "string"
     },
     "dns_names": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "lifetime_seconds": {
      "type": "integer"
     }
    },
    "required": [
     "csr",
     "profile"
    ]
   },
   "CodeRequest": {
    "type": "object",
    "properties": {
     "code": {
      "type": "string"
     }
    },
    "required": [
     "code"
    ]
   },
   "WebhookRequest": {
    "type": "object",
    "properties": {
     "url": {
      "type": "string"
     },
     "trust_roots_pem": {
      "description": "PEM, 1 to 16 certificates: the private CA an https:// receiver's certificate chains to, trusted for it instead of the system's roots.",
      "type": "string"
     }
    },
    "required": [
     "url"
    ]
   },
   "SignedFlowsRequest": {
    "type": "object",
    "properties": {
     "document": {
      "type": "string"
     }
    },
    "required": [
     "document"
    ]
   },
   "ModelRequest": {
    "type": "object",
    "properties": {
     "model": {
      "type": "string"
     }
    },
    "required": []
   },
   "ConsentRequest": {
    "type": "object",
    "properties": {
     "scope": {
      "type": "string"
     },
     "flow": {
      "type": "string"
     },
     "recipient": {
      "type": "string"
     },
     "purpose": {
      "type": "string"
     }
    },
    "required": [
     "flow",
     "recipient",
     "scope"
    ]
   },
   "DestinationRequest": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "host": {
      "type": "string"
     },
     "port": {
      "type": "integer"
     },
     "topic_prefix": {
      "type": "string"
     },
     "trust_roots_pem": {
      "type": "string"
     },
     "client_chain_pem": {
      "type": "string"
     },
     "client_key_pem": {
      "type": "string"
     }
    },
    "required": [
     "client_chain_pem",
     "client_key_pem",
     "host",
     "name",
     "port",
     "trust_roots_pem"
    ]
   },
   "EraseRequest": {
    "type": "object",
    "properties": {
     "device": {
      "type": "string"
     }
    },
    "required": []
   },
   "MakerRequest": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "keys": {
      "type": "array",
      "items": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "object"
        }
       ]
      }
     },
     "threshold": {
      "type": "integer"
     },
     "models": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": [
     "id",
     "keys",
     "models",
     "name"
    ]
   },
   "MakerChangeRequest": {
    "type": "object",
    "properties": {
     "add_keys": {
      "type": "array",
      "items": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "object"
        }
       ]
      }
     },
     "remove_keys": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "add_models": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    },
    "required": []
   },
   "WithdrawRequest": {
    "type": "object",
    "properties": {
     "reason": {
      "type": "string"
     }
    },
    "required": [
     "reason"
    ]
   },
   "RotateRequest": {
    "type": "object",
    "properties": {
     "role": {
      "type": "string"
     }
    },
    "required": [
     "role"
    ]
   },
   "CampaignRequest": {
    "type": "object",
    "properties": {
     "model": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "cohorts": {
      "type": "array",
      "items": {
       "type": "number"
      }
     },
     "soak_seconds": {
      "type": "number"
     },
     "gate_seconds": {
      "type": "number"
     },
     "maximum_reconnects": {
      "type": "integer"
     },
     "failure_threshold": {
      "type": "number"
     },
     "rollback_to": {
      "type": "string"
     },
     "rollback_override": {
      "type": "boolean"
     }
    },
    "required": [
     "model",
     "version"
    ]
   },
   "RuleRequest": {
    "type": "object",
    "properties": {
     "scope": {
      "type": "string"
     },
     "value": {
      "type": "string"
     },
     "minimum_security_version": {
      "type": "integer"
     },
     "restriction": {
      "type": "string"
     }
    },
    "required": [
     "minimum_security_version",
     "scope"
    ]
   },
   "ClientRequest": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "token_endpoint_auth_method": {
      "type": "string"
     },
     "redirect_uris": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "grant_types": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "scope": {
      "type": "string"
     },
     "jwks": {
      "type": "object",
      "properties": {
       "keys": {
        "type": "array",
        "items": {
         "type": "object"
        }
       }
      },
      "required": [
       "keys"
      ]
     },
     "device_id": {
      "type": "string"
     }
    },
    "required": [
     "name",
     "scope",
     "token_endpoint_auth_method"
    ]
   },
   "BehindRequest": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     }
    },
    "required": [
     "name"
    ]
   },
   "CodePairingStart": {
    "type": "object",
    "properties": {
     "csr": {
      "type": "string"
     },
     "commitment": {
      "type": "string"
     },
     "hub_key": {
      "type": "string"
     }
    },
    "required": [
     "commitment",
     "csr",
     "hub_key"
    ]
   },
   "CodePairingPoll": {
    "type": "object",
    "properties": {
     "request_id": {
      "type": "string"
     },
     "poll_token": {
      "type": "string"
     },
     "device_nonce": {
      "type": "string"
     },
     "firmware": {
      "$ref": "#/components/schemas/FirmwareReport"
     }
    },
    "required": [
     "device_nonce",
     "poll_token",
     "request_id"
    ]
   },
   "SecretPairing": {
    "type": "object",
    "properties": {
     "expectation_id": {
      "type": "string"
     },
     "csr": {
      "type": "string"
     },
     "device_nonce": {
      "type": "string"
     },
     "hub_key": {
      "type": "string"
     },
     "proof": {
      "type": "string"
     },
     "firmware": {
      "$ref": "#/components/schemas/FirmwareReport"
     }
    },
    "required": [
     "csr",
     "device_nonce",
     "expectation_id",
     "hub_key",
     "proof"
    ]
   },
   "AttestationPairing": {
    "type": "object",
    "properties": {
     "challenge": {
      "type": "string"
     },
     "csr": {
      "type": "string"
     },
     "hub_key": {
      "type": "string"
     },
     "attestation_chain": {
      "type": "string"
     },
     "signature": {
      "type": "string"
     },
     "firmware": {
      "$ref": "#/components/schemas/FirmwareReport"
     }
    },
    "required": [
     "attestation_chain",
     "challenge",
     "csr",
     "hub_key",
     "signature"
    ]
   },
   "TransferRequest": {
    "type": "object",
    "properties": {
     "to_household": {
      "type": "string"
     }
    },
    "required": [
     "to_household"
    ]
   },
   "AcceptTransferRequest": {
    "type": "object",
    "properties": {
     "device_id": {
      "type": "string"
     },
     "secret": {
      "type": "string"
     },
     "zone": {
      "type": "string"
     },
     "name": {
      "type": "string"
     }
    },
    "required": [
     "device_id",
     "secret"
    ]
   },
   "WindowRequest": {
    "type": "object",
    "properties": {
     "minutes": {
      "type": "integer"
     }
    },
    "required": []
   },
   "ApprovePairingRequest": {
    "type": "object",
    "properties": {
     "user_code": {
      "type": "string"
     },
     "verify": {
      "type": "string"
     },
     "zone": {
      "type": "string"
     },
     "name": {
      "type": "string"
     }
    },
    "required": [
     "user_code",
     "verify"
    ]
   },
   "DenyPairingRequest": {
    "type": "object",
    "properties": {
     "user_code": {
      "type": "string"
     }
    },
    "required": [
     "user_code"
    ]
   },
   "ExpectRequest": {
    "type": "object",
    "properties": {
     "secret": {
      "type": "string"
     },
     "serial": {
      "type": "string"
     },
     "claim_code": {
      "type": "string"
     },
     "zone": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "minutes": {
      "type": "integer"
     }
    },
    "required": []
   },
   "IntegrationRequest": {
    "type": "object",
    "properties": {
     "kind": {
      "type": "string",
      "enum": [
       "home-assistant"
      ]
     },
     "name": {
      "type": "string"
     },
     "scope": {
      "type": "string"
     },
     "csr_pem": {
      "type": "string"
     },
     "lifetime_days": {
      "type": "integer"
     }
    },
    "required": [
     "kind",
     "scope"
    ]
   },
   "Integration": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "state": {
      "type": "string",
      "enum": [
       "active",
       "revoked"
      ]
     },
     "scope": {
      "type": "string"
     },
     "grant": {
      "type": "string"
     },
     "person": {
      "type": "string"
     },
     "certificate": {
      "type": "string"
     },
     "not_after": {
      "type": "string",
      "format": "date-time"
     }
    },
    "required": [
     "id",
     "name",
     "state",
     "scope"
    ],
    "additionalProperties": false
   },
   "RegisteredIntegration": {
    "type": "object",
    "properties": {
     "integration": {
      "$ref": "#/components/schemas/Integration"
     },
     "certificate_pem": {
      "type": "string"
     },
     "private_key_pem": {
      "type": "string"
     },
     "ca_pem": {
      "type": "string"
     }
    },
    "required": [
     "integration",
     "certificate_pem",
     "ca_pem"
    ],
    "additionalProperties": false
   },
   "IntegrationRenewal": {
    "type": "object",
    "properties": {
     "csr_pem": {
      "type": "string"
     },
     "lifetime_days": {
      "type": "integer"
     }
    }
   }
  },
  "responses": {
   "BadRequest": {
    "description": "Malformed request: JSON, query or a refused value",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Unauthorized": {
    "description": "No valid credentials",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "headers": {
     "WWW-Authenticate": {
      "schema": {
       "type": "string"
      }
     }
    }
   },
   "Forbidden": {
    "description": "Not allowed to the caller (role, scope, household state or session kind)",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "NotFound": {
    "description": "No such resource (another household's is reported the same way)",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Conflict": {
    "description": "The resource's state does not allow it",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "TooLarge": {
    "description": "The body is larger than the hub accepts",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "UnsupportedMediaType": {
    "description": "The body is not of the type the operation reads",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Unprocessable": {
    "description": "Well-formed, but a field is missing, of the wrong type or not valid",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "TooManyRequests": {
    "description": "Throttled",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "headers": {
     "Retry-After": {
      "schema": {
       "type": "integer"
      },
      "required": true
     }
    }
   },
   "Unavailable": {
    "description": "The hub cannot serve the request now",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   }
  },
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer",
    "description": "A session token from POST /v1/session (hst_\u2026), or an OAuth access token"
   },
   "deviceCertificate": {
    "type": "mutualTLS",
    "description": "The device's hub-issued client certificate"
   }
  }
 }
}
"""#
}
