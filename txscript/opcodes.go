package txscript

// These constants are the values of the script opcodes, with btcd's names.
const (
	OP_0                   = 0x00 // 0
	OP_DATA_1              = 0x01 // 1
	OP_DATA_2              = 0x02 // 2
	OP_DATA_3              = 0x03 // 3
	OP_DATA_4              = 0x04 // 4
	OP_DATA_5              = 0x05 // 5
	OP_DATA_6              = 0x06 // 6
	OP_DATA_7              = 0x07 // 7
	OP_DATA_8              = 0x08 // 8
	OP_DATA_9              = 0x09 // 9
	OP_DATA_10             = 0x0a // 10
	OP_DATA_11             = 0x0b // 11
	OP_DATA_12             = 0x0c // 12
	OP_DATA_13             = 0x0d // 13
	OP_DATA_14             = 0x0e // 14
	OP_DATA_15             = 0x0f // 15
	OP_DATA_16             = 0x10 // 16
	OP_DATA_17             = 0x11 // 17
	OP_DATA_18             = 0x12 // 18
	OP_DATA_19             = 0x13 // 19
	OP_DATA_20             = 0x14 // 20
	OP_DATA_21             = 0x15 // 21
	OP_DATA_22             = 0x16 // 22
	OP_DATA_23             = 0x17 // 23
	OP_DATA_24             = 0x18 // 24
	OP_DATA_25             = 0x19 // 25
	OP_DATA_26             = 0x1a // 26
	OP_DATA_27             = 0x1b // 27
	OP_DATA_28             = 0x1c // 28
	OP_DATA_29             = 0x1d // 29
	OP_DATA_30             = 0x1e // 30
	OP_DATA_31             = 0x1f // 31
	OP_DATA_32             = 0x20 // 32
	OP_DATA_33             = 0x21 // 33
	OP_DATA_34             = 0x22 // 34
	OP_DATA_35             = 0x23 // 35
	OP_DATA_36             = 0x24 // 36
	OP_DATA_37             = 0x25 // 37
	OP_DATA_38             = 0x26 // 38
	OP_DATA_39             = 0x27 // 39
	OP_DATA_40             = 0x28 // 40
	OP_DATA_41             = 0x29 // 41
	OP_DATA_42             = 0x2a // 42
	OP_DATA_43             = 0x2b // 43
	OP_DATA_44             = 0x2c // 44
	OP_DATA_45             = 0x2d // 45
	OP_DATA_46             = 0x2e // 46
	OP_DATA_47             = 0x2f // 47
	OP_DATA_48             = 0x30 // 48
	OP_DATA_49             = 0x31 // 49
	OP_DATA_50             = 0x32 // 50
	OP_DATA_51             = 0x33 // 51
	OP_DATA_52             = 0x34 // 52
	OP_DATA_53             = 0x35 // 53
	OP_DATA_54             = 0x36 // 54
	OP_DATA_55             = 0x37 // 55
	OP_DATA_56             = 0x38 // 56
	OP_DATA_57             = 0x39 // 57
	OP_DATA_58             = 0x3a // 58
	OP_DATA_59             = 0x3b // 59
	OP_DATA_60             = 0x3c // 60
	OP_DATA_61             = 0x3d // 61
	OP_DATA_62             = 0x3e // 62
	OP_DATA_63             = 0x3f // 63
	OP_DATA_64             = 0x40 // 64
	OP_DATA_65             = 0x41 // 65
	OP_DATA_66             = 0x42 // 66
	OP_DATA_67             = 0x43 // 67
	OP_DATA_68             = 0x44 // 68
	OP_DATA_69             = 0x45 // 69
	OP_DATA_70             = 0x46 // 70
	OP_DATA_71             = 0x47 // 71
	OP_DATA_72             = 0x48 // 72
	OP_DATA_73             = 0x49 // 73
	OP_DATA_74             = 0x4a // 74
	OP_DATA_75             = 0x4b // 75
	OP_PUSHDATA1           = 0x4c // 76
	OP_PUSHDATA2           = 0x4d // 77
	OP_PUSHDATA4           = 0x4e // 78
	OP_1NEGATE             = 0x4f // 79
	OP_RESERVED            = 0x50 // 80
	OP_1                   = 0x51 // 81
	OP_2                   = 0x52 // 82
	OP_3                   = 0x53 // 83
	OP_4                   = 0x54 // 84
	OP_5                   = 0x55 // 85
	OP_6                   = 0x56 // 86
	OP_7                   = 0x57 // 87
	OP_8                   = 0x58 // 88
	OP_9                   = 0x59 // 89
	OP_10                  = 0x5a // 90
	OP_11                  = 0x5b // 91
	OP_12                  = 0x5c // 92
	OP_13                  = 0x5d // 93
	OP_14                  = 0x5e // 94
	OP_15                  = 0x5f // 95
	OP_16                  = 0x60 // 96
	OP_NOP                 = 0x61 // 97
	OP_VER                 = 0x62 // 98
	OP_IF                  = 0x63 // 99
	OP_NOTIF               = 0x64 // 100
	OP_VERIF               = 0x65 // 101
	OP_VERNOTIF            = 0x66 // 102
	OP_ELSE                = 0x67 // 103
	OP_ENDIF               = 0x68 // 104
	OP_VERIFY              = 0x69 // 105
	OP_RETURN              = 0x6a // 106
	OP_TOALTSTACK          = 0x6b // 107
	OP_FROMALTSTACK        = 0x6c // 108
	OP_2DROP               = 0x6d // 109
	OP_2DUP                = 0x6e // 110
	OP_3DUP                = 0x6f // 111
	OP_2OVER               = 0x70 // 112
	OP_2ROT                = 0x71 // 113
	OP_2SWAP               = 0x72 // 114
	OP_IFDUP               = 0x73 // 115
	OP_DEPTH               = 0x74 // 116
	OP_DROP                = 0x75 // 117
	OP_DUP                 = 0x76 // 118
	OP_NIP                 = 0x77 // 119
	OP_OVER                = 0x78 // 120
	OP_PICK                = 0x79 // 121
	OP_ROLL                = 0x7a // 122
	OP_ROT                 = 0x7b // 123
	OP_SWAP                = 0x7c // 124
	OP_TUCK                = 0x7d // 125
	OP_CAT                 = 0x7e // 126
	OP_SUBSTR              = 0x7f // 127
	OP_LEFT                = 0x80 // 128
	OP_RIGHT               = 0x81 // 129
	OP_SIZE                = 0x82 // 130
	OP_INVERT              = 0x83 // 131
	OP_AND                 = 0x84 // 132
	OP_OR                  = 0x85 // 133
	OP_XOR                 = 0x86 // 134
	OP_EQUAL               = 0x87 // 135
	OP_EQUALVERIFY         = 0x88 // 136
	OP_RESERVED1           = 0x89 // 137
	OP_RESERVED2           = 0x8a // 138
	OP_1ADD                = 0x8b // 139
	OP_1SUB                = 0x8c // 140
	OP_2MUL                = 0x8d // 141
	OP_2DIV                = 0x8e // 142
	OP_NEGATE              = 0x8f // 143
	OP_ABS                 = 0x90 // 144
	OP_NOT                 = 0x91 // 145
	OP_0NOTEQUAL           = 0x92 // 146
	OP_ADD                 = 0x93 // 147
	OP_SUB                 = 0x94 // 148
	OP_MUL                 = 0x95 // 149
	OP_DIV                 = 0x96 // 150
	OP_MOD                 = 0x97 // 151
	OP_LSHIFT              = 0x98 // 152
	OP_RSHIFT              = 0x99 // 153
	OP_BOOLAND             = 0x9a // 154
	OP_BOOLOR              = 0x9b // 155
	OP_NUMEQUAL            = 0x9c // 156
	OP_NUMEQUALVERIFY      = 0x9d // 157
	OP_NUMNOTEQUAL         = 0x9e // 158
	OP_LESSTHAN            = 0x9f // 159
	OP_GREATERTHAN         = 0xa0 // 160
	OP_LESSTHANOREQUAL     = 0xa1 // 161
	OP_GREATERTHANOREQUAL  = 0xa2 // 162
	OP_MIN                 = 0xa3 // 163
	OP_MAX                 = 0xa4 // 164
	OP_WITHIN              = 0xa5 // 165
	OP_RIPEMD160           = 0xa6 // 166
	OP_SHA1                = 0xa7 // 167
	OP_SHA256              = 0xa8 // 168
	OP_HASH160             = 0xa9 // 169
	OP_HASH256             = 0xaa // 170
	OP_CODESEPARATOR       = 0xab // 171
	OP_CHECKSIG            = 0xac // 172
	OP_CHECKSIGVERIFY      = 0xad // 173
	OP_CHECKMULTISIG       = 0xae // 174
	OP_CHECKMULTISIGVERIFY = 0xaf // 175
	OP_NOP1                = 0xb0 // 176
	OP_CHECKLOCKTIMEVERIFY = 0xb1 // 177
	OP_CHECKSEQUENCEVERIFY = 0xb2 // 178
	OP_NOP4                = 0xb3 // 179
	OP_NOP5                = 0xb4 // 180
	OP_NOP6                = 0xb5 // 181
	OP_NOP7                = 0xb6 // 182
	OP_NOP8                = 0xb7 // 183
	OP_NOP9                = 0xb8 // 184
	OP_NOP10               = 0xb9 // 185
	OP_CHECKSIGADD         = 0xba // 186
	OP_UNKNOWN187          = 0xbb // 187
	OP_UNKNOWN188          = 0xbc // 188
	OP_UNKNOWN189          = 0xbd // 189
	OP_UNKNOWN190          = 0xbe // 190
	OP_UNKNOWN191          = 0xbf // 191
	OP_UNKNOWN192          = 0xc0 // 192
	OP_UNKNOWN193          = 0xc1 // 193
	OP_UNKNOWN194          = 0xc2 // 194
	OP_UNKNOWN195          = 0xc3 // 195
	OP_UNKNOWN196          = 0xc4 // 196
	OP_UNKNOWN197          = 0xc5 // 197
	OP_UNKNOWN198          = 0xc6 // 198
	OP_UNKNOWN199          = 0xc7 // 199
	OP_UNKNOWN200          = 0xc8 // 200
	OP_UNKNOWN201          = 0xc9 // 201
	OP_UNKNOWN202          = 0xca // 202
	OP_UNKNOWN203          = 0xcb // 203
	OP_UNKNOWN204          = 0xcc // 204
	OP_UNKNOWN205          = 0xcd // 205
	OP_UNKNOWN206          = 0xce // 206
	OP_UNKNOWN207          = 0xcf // 207
	OP_UNKNOWN208          = 0xd0 // 208
	OP_UNKNOWN209          = 0xd1 // 209
	OP_UNKNOWN210          = 0xd2 // 210
	OP_UNKNOWN211          = 0xd3 // 211
	OP_UNKNOWN212          = 0xd4 // 212
	OP_UNKNOWN213          = 0xd5 // 213
	OP_UNKNOWN214          = 0xd6 // 214
	OP_UNKNOWN215          = 0xd7 // 215
	OP_UNKNOWN216          = 0xd8 // 216
	OP_UNKNOWN217          = 0xd9 // 217
	OP_UNKNOWN218          = 0xda // 218
	OP_UNKNOWN219          = 0xdb // 219
	OP_UNKNOWN220          = 0xdc // 220
	OP_UNKNOWN221          = 0xdd // 221
	OP_UNKNOWN222          = 0xde // 222
	OP_UNKNOWN223          = 0xdf // 223
	OP_UNKNOWN224          = 0xe0 // 224
	OP_UNKNOWN225          = 0xe1 // 225
	OP_UNKNOWN226          = 0xe2 // 226
	OP_UNKNOWN227          = 0xe3 // 227
	OP_UNKNOWN228          = 0xe4 // 228
	OP_UNKNOWN229          = 0xe5 // 229
	OP_UNKNOWN230          = 0xe6 // 230
	OP_UNKNOWN231          = 0xe7 // 231
	OP_UNKNOWN232          = 0xe8 // 232
	OP_UNKNOWN233          = 0xe9 // 233
	OP_UNKNOWN234          = 0xea // 234
	OP_UNKNOWN235          = 0xeb // 235
	OP_UNKNOWN236          = 0xec // 236
	OP_UNKNOWN237          = 0xed // 237
	OP_UNKNOWN238          = 0xee // 238
	OP_UNKNOWN239          = 0xef // 239
	OP_UNKNOWN240          = 0xf0 // 240
	OP_UNKNOWN241          = 0xf1 // 241
	OP_UNKNOWN242          = 0xf2 // 242
	OP_UNKNOWN243          = 0xf3 // 243
	OP_UNKNOWN244          = 0xf4 // 244
	OP_UNKNOWN245          = 0xf5 // 245
	OP_UNKNOWN246          = 0xf6 // 246
	OP_UNKNOWN247          = 0xf7 // 247
	OP_UNKNOWN248          = 0xf8 // 248
	OP_UNKNOWN249          = 0xf9 // 249
	OP_UNKNOWN250          = 0xfa // 250
	OP_UNKNOWN251          = 0xfb // 251
	OP_UNKNOWN252          = 0xfc // 252
	OP_UNKNOWN253          = 0xfd // 253
	OP_UNKNOWN254          = 0xfe // 254
	OP_INVALIDOPCODE       = 0xff // 255
	OP_FALSE               = OP_0
	OP_TRUE                = OP_1
	OP_NOP2                = OP_CHECKLOCKTIMEVERIFY
	OP_NOP3                = OP_CHECKSEQUENCEVERIFY
)

// opcodeNames maps each opcode byte to the name used in disassembly.
var opcodeNames = [256]string{
	0x00: "OP_0",
	0x01: "OP_DATA_1",
	0x02: "OP_DATA_2",
	0x03: "OP_DATA_3",
	0x04: "OP_DATA_4",
	0x05: "OP_DATA_5",
	0x06: "OP_DATA_6",
	0x07: "OP_DATA_7",
	0x08: "OP_DATA_8",
	0x09: "OP_DATA_9",
	0x0a: "OP_DATA_10",
	0x0b: "OP_DATA_11",
	0x0c: "OP_DATA_12",
	0x0d: "OP_DATA_13",
	0x0e: "OP_DATA_14",
	0x0f: "OP_DATA_15",
	0x10: "OP_DATA_16",
	0x11: "OP_DATA_17",
	0x12: "OP_DATA_18",
	0x13: "OP_DATA_19",
	0x14: "OP_DATA_20",
	0x15: "OP_DATA_21",
	0x16: "OP_DATA_22",
	0x17: "OP_DATA_23",
	0x18: "OP_DATA_24",
	0x19: "OP_DATA_25",
	0x1a: "OP_DATA_26",
	0x1b: "OP_DATA_27",
	0x1c: "OP_DATA_28",
	0x1d: "OP_DATA_29",
	0x1e: "OP_DATA_30",
	0x1f: "OP_DATA_31",
	0x20: "OP_DATA_32",
	0x21: "OP_DATA_33",
	0x22: "OP_DATA_34",
	0x23: "OP_DATA_35",
	0x24: "OP_DATA_36",
	0x25: "OP_DATA_37",
	0x26: "OP_DATA_38",
	0x27: "OP_DATA_39",
	0x28: "OP_DATA_40",
	0x29: "OP_DATA_41",
	0x2a: "OP_DATA_42",
	0x2b: "OP_DATA_43",
	0x2c: "OP_DATA_44",
	0x2d: "OP_DATA_45",
	0x2e: "OP_DATA_46",
	0x2f: "OP_DATA_47",
	0x30: "OP_DATA_48",
	0x31: "OP_DATA_49",
	0x32: "OP_DATA_50",
	0x33: "OP_DATA_51",
	0x34: "OP_DATA_52",
	0x35: "OP_DATA_53",
	0x36: "OP_DATA_54",
	0x37: "OP_DATA_55",
	0x38: "OP_DATA_56",
	0x39: "OP_DATA_57",
	0x3a: "OP_DATA_58",
	0x3b: "OP_DATA_59",
	0x3c: "OP_DATA_60",
	0x3d: "OP_DATA_61",
	0x3e: "OP_DATA_62",
	0x3f: "OP_DATA_63",
	0x40: "OP_DATA_64",
	0x41: "OP_DATA_65",
	0x42: "OP_DATA_66",
	0x43: "OP_DATA_67",
	0x44: "OP_DATA_68",
	0x45: "OP_DATA_69",
	0x46: "OP_DATA_70",
	0x47: "OP_DATA_71",
	0x48: "OP_DATA_72",
	0x49: "OP_DATA_73",
	0x4a: "OP_DATA_74",
	0x4b: "OP_DATA_75",
	0x4c: "OP_PUSHDATA1",
	0x4d: "OP_PUSHDATA2",
	0x4e: "OP_PUSHDATA4",
	0x4f: "OP_1NEGATE",
	0x50: "OP_RESERVED",
	0x51: "OP_1",
	0x52: "OP_2",
	0x53: "OP_3",
	0x54: "OP_4",
	0x55: "OP_5",
	0x56: "OP_6",
	0x57: "OP_7",
	0x58: "OP_8",
	0x59: "OP_9",
	0x5a: "OP_10",
	0x5b: "OP_11",
	0x5c: "OP_12",
	0x5d: "OP_13",
	0x5e: "OP_14",
	0x5f: "OP_15",
	0x60: "OP_16",
	0x61: "OP_NOP",
	0x62: "OP_VER",
	0x63: "OP_IF",
	0x64: "OP_NOTIF",
	0x65: "OP_VERIF",
	0x66: "OP_VERNOTIF",
	0x67: "OP_ELSE",
	0x68: "OP_ENDIF",
	0x69: "OP_VERIFY",
	0x6a: "OP_RETURN",
	0x6b: "OP_TOALTSTACK",
	0x6c: "OP_FROMALTSTACK",
	0x6d: "OP_2DROP",
	0x6e: "OP_2DUP",
	0x6f: "OP_3DUP",
	0x70: "OP_2OVER",
	0x71: "OP_2ROT",
	0x72: "OP_2SWAP",
	0x73: "OP_IFDUP",
	0x74: "OP_DEPTH",
	0x75: "OP_DROP",
	0x76: "OP_DUP",
	0x77: "OP_NIP",
	0x78: "OP_OVER",
	0x79: "OP_PICK",
	0x7a: "OP_ROLL",
	0x7b: "OP_ROT",
	0x7c: "OP_SWAP",
	0x7d: "OP_TUCK",
	0x7e: "OP_CAT",
	0x7f: "OP_SUBSTR",
	0x80: "OP_LEFT",
	0x81: "OP_RIGHT",
	0x82: "OP_SIZE",
	0x83: "OP_INVERT",
	0x84: "OP_AND",
	0x85: "OP_OR",
	0x86: "OP_XOR",
	0x87: "OP_EQUAL",
	0x88: "OP_EQUALVERIFY",
	0x89: "OP_RESERVED1",
	0x8a: "OP_RESERVED2",
	0x8b: "OP_1ADD",
	0x8c: "OP_1SUB",
	0x8d: "OP_2MUL",
	0x8e: "OP_2DIV",
	0x8f: "OP_NEGATE",
	0x90: "OP_ABS",
	0x91: "OP_NOT",
	0x92: "OP_0NOTEQUAL",
	0x93: "OP_ADD",
	0x94: "OP_SUB",
	0x95: "OP_MUL",
	0x96: "OP_DIV",
	0x97: "OP_MOD",
	0x98: "OP_LSHIFT",
	0x99: "OP_RSHIFT",
	0x9a: "OP_BOOLAND",
	0x9b: "OP_BOOLOR",
	0x9c: "OP_NUMEQUAL",
	0x9d: "OP_NUMEQUALVERIFY",
	0x9e: "OP_NUMNOTEQUAL",
	0x9f: "OP_LESSTHAN",
	0xa0: "OP_GREATERTHAN",
	0xa1: "OP_LESSTHANOREQUAL",
	0xa2: "OP_GREATERTHANOREQUAL",
	0xa3: "OP_MIN",
	0xa4: "OP_MAX",
	0xa5: "OP_WITHIN",
	0xa6: "OP_RIPEMD160",
	0xa7: "OP_SHA1",
	0xa8: "OP_SHA256",
	0xa9: "OP_HASH160",
	0xaa: "OP_HASH256",
	0xab: "OP_CODESEPARATOR",
	0xac: "OP_CHECKSIG",
	0xad: "OP_CHECKSIGVERIFY",
	0xae: "OP_CHECKMULTISIG",
	0xaf: "OP_CHECKMULTISIGVERIFY",
	0xb0: "OP_NOP1",
	0xb1: "OP_CHECKLOCKTIMEVERIFY",
	0xb2: "OP_CHECKSEQUENCEVERIFY",
	0xb3: "OP_NOP4",
	0xb4: "OP_NOP5",
	0xb5: "OP_NOP6",
	0xb6: "OP_NOP7",
	0xb7: "OP_NOP8",
	0xb8: "OP_NOP9",
	0xb9: "OP_NOP10",
	0xba: "OP_CHECKSIGADD",
	0xbb: "OP_UNKNOWN187",
	0xbc: "OP_UNKNOWN188",
	0xbd: "OP_UNKNOWN189",
	0xbe: "OP_UNKNOWN190",
	0xbf: "OP_UNKNOWN191",
	0xc0: "OP_UNKNOWN192",
	0xc1: "OP_UNKNOWN193",
	0xc2: "OP_UNKNOWN194",
	0xc3: "OP_UNKNOWN195",
	0xc4: "OP_UNKNOWN196",
	0xc5: "OP_UNKNOWN197",
	0xc6: "OP_UNKNOWN198",
	0xc7: "OP_UNKNOWN199",
	0xc8: "OP_UNKNOWN200",
	0xc9: "OP_UNKNOWN201",
	0xca: "OP_UNKNOWN202",
	0xcb: "OP_UNKNOWN203",
	0xcc: "OP_UNKNOWN204",
	0xcd: "OP_UNKNOWN205",
	0xce: "OP_UNKNOWN206",
	0xcf: "OP_UNKNOWN207",
	0xd0: "OP_UNKNOWN208",
	0xd1: "OP_UNKNOWN209",
	0xd2: "OP_UNKNOWN210",
	0xd3: "OP_UNKNOWN211",
	0xd4: "OP_UNKNOWN212",
	0xd5: "OP_UNKNOWN213",
	0xd6: "OP_UNKNOWN214",
	0xd7: "OP_UNKNOWN215",
	0xd8: "OP_UNKNOWN216",
	0xd9: "OP_UNKNOWN217",
	0xda: "OP_UNKNOWN218",
	0xdb: "OP_UNKNOWN219",
	0xdc: "OP_UNKNOWN220",
	0xdd: "OP_UNKNOWN221",
	0xde: "OP_UNKNOWN222",
	0xdf: "OP_UNKNOWN223",
	0xe0: "OP_UNKNOWN224",
	0xe1: "OP_UNKNOWN225",
	0xe2: "OP_UNKNOWN226",
	0xe3: "OP_UNKNOWN227",
	0xe4: "OP_UNKNOWN228",
	0xe5: "OP_UNKNOWN229",
	0xe6: "OP_UNKNOWN230",
	0xe7: "OP_UNKNOWN231",
	0xe8: "OP_UNKNOWN232",
	0xe9: "OP_UNKNOWN233",
	0xea: "OP_UNKNOWN234",
	0xeb: "OP_UNKNOWN235",
	0xec: "OP_UNKNOWN236",
	0xed: "OP_UNKNOWN237",
	0xee: "OP_UNKNOWN238",
	0xef: "OP_UNKNOWN239",
	0xf0: "OP_UNKNOWN240",
	0xf1: "OP_UNKNOWN241",
	0xf2: "OP_UNKNOWN242",
	0xf3: "OP_UNKNOWN243",
	0xf4: "OP_UNKNOWN244",
	0xf5: "OP_UNKNOWN245",
	0xf6: "OP_UNKNOWN246",
	0xf7: "OP_UNKNOWN247",
	0xf8: "OP_UNKNOWN248",
	0xf9: "OP_UNKNOWN249",
	0xfa: "OP_UNKNOWN250",
	0xfb: "OP_UNKNOWN251",
	0xfc: "OP_UNKNOWN252",
	0xfd: "OP_UNKNOWN253",
	0xfe: "OP_UNKNOWN254",
	0xff: "OP_INVALIDOPCODE",
}
